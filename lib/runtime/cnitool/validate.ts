import { type VerbContext, expectArgs, loadList } from './context.ts';
import { prettyJson } from './output.ts';

/**
 * `validate <network>`: every plugin's own keys checked against its schema (errors, and
 * warnings for unknown keys, on stderr), then every plugin found and supporting the list's
 * version; prints the capabilities. Exits 1 when anything was found.
 */
export async function runValidate(ctx: VerbContext): Promise<number> {
  const [network] = expectArgs(ctx, ['network']) as [string];
  const list = await loadList(ctx, network);
  const { checkPluginConfigs } = await import('./plugin-configs.ts');
  const findings = checkPluginConfigs(list);
  for (const f of findings) ctx.io.stderr(`cnitool validate: ${f.severity}: ${f.message}\n`);
  const problems = findings.filter((f) => f.severity !== 'note');
  const capabilities = await ctx.runtime.validateNetworkList(list);
  if (ctx.args.json) {
    const report = { name: list.name, cniVersion: list.cniVersion, plugins: list.plugins.map((p) => p.type), capabilities };
    ctx.io.stdout(prettyJson(problems.length ? { ...report, problems } : report));
  } else if (problems.length) {
    const count = (severity: string) => problems.filter((f) => f.severity === severity).length;
    ctx.io.stdout(`network "${list.name}": ${count('error')} error(s), ${count('warning')} warning(s) in plugin configurations\n`);
  } else {
    ctx.io.stdout(
      `network "${list.name}" is valid at version ${list.cniVersion}: plugins ${list.plugins.map((p) => p.type).join(', ')}; ` +
        `capabilities: ${capabilities.length ? capabilities.join(', ') : 'none'}\n`,
    );
  }
  return problems.length ? 1 : 0;
}
