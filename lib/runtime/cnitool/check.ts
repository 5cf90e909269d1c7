import { type VerbContext, expectArgs, loadList, runtimeConf } from './context.ts';

/** `check <network> <netns>`: CHECK the network list; silent on success, like Go. */
export async function runCheck(ctx: VerbContext): Promise<void> {
  const [network, netns] = expectArgs(ctx, ['network', 'netns']) as [string, string];
  const list = await loadList(ctx, network);
  await ctx.runtime.checkNetworkList(list, runtimeConf(ctx, netns));
  if (!ctx.args.human) return;
  ctx.io.stdout(list.disableCheck ? `network "${network}": CHECK is disabled (disableCheck)\n` : `network "${network}": check passed\n`);
}
