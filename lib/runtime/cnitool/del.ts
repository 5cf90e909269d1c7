import { type VerbContext, expectArgs, loadList, runtimeConf } from './context.ts';

/** `del <network> <netns>`: DEL the network list (reverse order); silent on success. */
export async function runDel(ctx: VerbContext): Promise<void> {
  const [network, netns] = expectArgs(ctx, ['network', 'netns']) as [string, string];
  const list = await loadList(ctx, network);
  await ctx.runtime.delNetworkList(list, runtimeConf(ctx, netns));
  if (ctx.args.human) ctx.io.stdout(`network "${network}": deleted\n`);
}
