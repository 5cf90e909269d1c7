import { CURRENT_VERSION, SUPPORTED_VERSIONS } from '../../cni/index.ts';
import type { PluginInfo } from '../../invoke/index.ts';
import type { VerbContext } from './context.ts';
import { prettyJson } from './output.ts';

/** `version [<plugin-type>...]`: cnitool's spec versions, or each plugin's VERSION answer. */
export async function runVersion(ctx: VerbContext): Promise<void> {
  const types = ctx.args.positionals;
  if (types.length === 0) {
    if (ctx.args.json) ctx.io.stdout(prettyJson({ cniVersion: CURRENT_VERSION, supportedVersions: SUPPORTED_VERSIONS }));
    else ctx.io.stdout(`cnitool (cni-ts): CNI spec ${CURRENT_VERSION}; supports ${SUPPORTED_VERSIONS.join(', ')}\n`);
    return;
  }
  const infos: Record<string, PluginInfo> = {};
  for (const type of types) infos[type] = await ctx.runtime.getVersionInfo(type);
  if (ctx.args.json) {
    ctx.io.stdout(prettyJson(infos));
    return;
  }
  for (const [type, info] of Object.entries(infos)) ctx.io.stdout(`${type}: ${info.supportedVersions.join(', ')}\n`);
}
