import { splitCniPath } from '../../invoke/index.ts';
import { DEFAULT_CACHE_DIR } from '../cache.ts';
import { CniRuntime, type RuntimeConf } from '../cni-runtime.ts';
import type { NetworkConfigList } from '../conf.ts';
import { loadNetworkConf } from '../load.ts';
import { containerIdFor, parseCapArgs, parseStrictCniArgs, type ParsedArgs } from './args.ts';
import { type CliIo, UsageError } from './io.ts';

/** Where network configurations live unless NETCONFPATH says otherwise (Go's default). */
export const DEFAULT_NETCONF_PATH = '/etc/cni/net.d';

/** Everything a verb needs, derived from argv and the environment. */
export interface VerbContext {
  readonly io: CliIo;
  readonly args: ParsedArgs;
  readonly confDir: string;
  readonly runtime: CniRuntime;
}

/** Builds the runtime from CNI_PATH and CNI_CACHE_DIR (our extension; default /var/lib/cni). */
export function verbContext(io: CliIo, args: ParsedArgs): VerbContext {
  return {
    io,
    args,
    confDir: io.env.NETCONFPATH || DEFAULT_NETCONF_PATH,
    runtime: new CniRuntime({
      pluginPaths: splitCniPath(io.env.CNI_PATH),
      cacheDir: io.env.CNI_CACHE_DIR || DEFAULT_CACHE_DIR,
      onWarning: (message) => io.stderr(`cnitool: warning: ${message}\n`),
    }),
  };
}

/**
 * Checks the positional arguments of a verb: `required` names must be present, `optional`
 * ones may be, nothing else may.
 * @throws UsageError
 */
export function expectArgs(ctx: VerbContext, required: readonly string[], optional: readonly string[] = []): string[] {
  const got = ctx.args.positionals;
  const usage = [...required.map((r) => `<${r}>`), ...optional.map((o) => `[<${o}>]`)].join(' ');
  if (got.length < required.length) {
    throw new UsageError(`${ctx.args.verb} needs ${usage}; missing <${required[got.length]}>`);
  }
  if (got.length > required.length + optional.length) {
    throw new UsageError(`${ctx.args.verb} takes ${usage}; unexpected argument ${JSON.stringify(got[required.length + optional.length])}`);
  }
  return [...got];
}

/** Loads the named network from the configuration directory. */
export async function loadList(ctx: VerbContext, name: string): Promise<NetworkConfigList> {
  return loadNetworkConf(ctx.confDir, name);
}

/**
 * The RuntimeConf of an attachment verb, as Go's cnitool builds it: container ID from the
 * netns path, ifname from -i, else CNI_IFNAME, else eth0; CNI_ARGS and CAP_ARGS from the
 * environment.
 * @throws UsageError for malformed CNI_ARGS or CAP_ARGS
 */
export function runtimeConf(ctx: VerbContext, netnsPath: string): RuntimeConf {
  const { containerId, netns } = containerIdFor(netnsPath, ctx.io.cwd);
  const args = parseStrictCniArgs(ctx.io.env.CNI_ARGS ?? '');
  const capabilityArgs = parseCapArgs(ctx.io.env.CAP_ARGS ?? '');
  return {
    containerId,
    netns,
    ifname: ctx.args.ifname || ctx.io.env.CNI_IFNAME || 'eth0',
    ...(args.length > 0 ? { args } : {}),
    ...(capabilityArgs ? { capabilityArgs } : {}),
  };
}
