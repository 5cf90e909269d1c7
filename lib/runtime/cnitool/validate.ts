import { type VerbContext, expectArgs, loadList } from './context.ts';
import { prettyJson } from './output.ts';

/** `validate <network>`: every plugin found and supporting the list's version; prints the capabilities. */
export async function runValidate(ctx: VerbContext): Promise<void> {
  const [network] = expectArgs(ctx, ['network']) as [string];
  const list = await loadList(ctx, network);
  const capabilities = await ctx.runtime.validateNetworkList(list);
  if (ctx.args.json) {
    ctx.io.stdout(prettyJson({ name: list.name, cniVersion: list.cniVersion, plugins: list.plugins.map((p) => p.type), capabilities }));
    return;
  }
  ctx.io.stdout(
    `network "${list.name}" is valid at version ${list.cniVersion}: plugins ${list.plugins.map((p) => p.type).join(', ')}; ` +
      `capabilities: ${capabilities.length ? capabilities.join(', ') : 'none'}\n`,
  );
}
