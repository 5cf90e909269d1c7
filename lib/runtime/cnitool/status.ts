import { specHasGcAndStatus } from '../../cni/index.ts';
import { type VerbContext, expectArgs, loadList } from './context.ts';

/** `status <network> [<netns>]`: STATUS of every plugin (1.1.0 lists; a no-op below). */
export async function runStatus(ctx: VerbContext): Promise<void> {
  const [network] = expectArgs(ctx, ['network'], ['netns']) as [string];
  const list = await loadList(ctx, network);
  await ctx.runtime.getStatusNetworkList(list);
  if (!ctx.args.human) return;
  ctx.io.stdout(
    specHasGcAndStatus(list.cniVersion)
      ? `network "${network}": ready\n`
      : `network "${network}": version ${list.cniVersion} has no STATUS; assumed ready\n`,
  );
}
