import { type VerbContext, expectArgs, loadList, runtimeConf } from './context.ts';
import { describeResult, prettyJson } from './output.ts';

/** `add <network> <netns>`: ADD the network list; prints the result as JSON (like Go) or a summary with --human. */
export async function runAdd(ctx: VerbContext): Promise<void> {
  const [network, netns] = expectArgs(ctx, ['network', 'netns']) as [string, string];
  const list = await loadList(ctx, network);
  const result = await ctx.runtime.addNetworkList(list, runtimeConf(ctx, netns));
  ctx.io.stdout(ctx.args.human ? describeResult(result) : prettyJson(result));
}
