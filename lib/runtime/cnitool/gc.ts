import { type VerbContext, expectArgs, loadList } from './context.ts';

/**
 * `gc <network> [<netns>]`: like Go's cnitool, GC with no valid attachments: every cached
 * attachment of the network is DEL'd, and plugins (1.1.0 lists) get GC without a list, which
 * our plugins read as "remove nothing". The netns argument is accepted for compatibility.
 */
export async function runGc(ctx: VerbContext): Promise<void> {
  const [network] = expectArgs(ctx, ['network'], ['netns']) as [string];
  const list = await loadList(ctx, network);
  await ctx.runtime.gcNetworkList(list);
  if (ctx.args.human) ctx.io.stdout(`network "${network}": garbage collected\n`);
}
