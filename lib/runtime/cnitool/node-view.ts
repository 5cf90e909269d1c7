import { statSync } from 'node:fs';
import type { NetworkConfigList } from '../conf.ts';
import { type FoundNetwork, listNetworkConfs } from '../load.ts';
import { type NodeReaders, collectFacts } from './collect-facts.ts';
import type { VerbContext } from './context.ts';
import { UsageError } from './io.ts';
import type { NodeFacts } from './node-facts.ts';
import { prettyJson } from './output.ts';

// What inspect and doctor share: the configuration directory's networks, checked (a missing
// directory, no network, an unknown name are configuration problems, exit 2), and the facts.

/** JSON format version of inspect's and doctor's --json output (README: "cnitool inspect"). */
export const NODE_JSON_VERSION = 1;

/** A configuration problem: exit 2 with the message, no usage hint. */
export class ConfigProblem extends Error {
  override readonly name = 'ConfigProblem';
}

/** The usable networks of the directory; the named one must be among them. */
export async function loadNetworks(ctx: VerbContext, network: string | undefined): Promise<{ found: FoundNetwork[]; lists: NetworkConfigList[] }> {
  let isDir = false;
  try {
    isDir = statSync(ctx.confDir).isDirectory();
  } catch (e) {
    throw new ConfigProblem(`configuration directory ${ctx.confDir} cannot be read: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (e as Error).message} (set NETCONFPATH)`);
  }
  if (!isDir) throw new ConfigProblem(`configuration directory ${ctx.confDir} is not a directory (set NETCONFPATH)`);
  let found: FoundNetwork[];
  try {
    found = await listNetworkConfs(ctx.confDir);
  } catch (e) {
    throw new ConfigProblem(`cannot read configuration directory ${ctx.confDir}: ${(e as Error).message}`);
  }
  const lists = found.flatMap((f) => (f.list ? [f.list] : []));
  if (lists.length === 0) throw new ConfigProblem(`no usable network configuration in ${ctx.confDir}`);
  if (network !== undefined && !lists.some((l) => l.name === network)) throw new ConfigProblem(`no network "${network}" in ${ctx.confDir}`);
  return { found, lists };
}

/** Collects the node's facts for a verb. */
export async function nodeFacts(ctx: VerbContext, found: readonly FoundNetwork[], readers: NodeReaders): Promise<NodeFacts> {
  return collectFacts(found, ctx.runtime.cache, readers);
}

/**
 * Runs a node verb so that a configuration problem is exit 2 and any other failure exit 1,
 * each with one clear line on stderr, and --json output stays JSON (an `error` document).
 */
export async function guardNodeVerb(ctx: VerbContext, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    const code = e instanceof ConfigProblem || e instanceof UsageError ? 2 : 1;
    const message = e instanceof Error ? e.message : String(e);
    if (ctx.args.json) ctx.io.stdout(prettyJson({ version: NODE_JSON_VERSION, error: message }));
    const hint = e instanceof UsageError ? '\nRun "cnitool --help" for usage.' : '';
    ctx.io.stderr(`cnitool ${ctx.args.verb}: ${message}${hint}\n`);
    return code;
  }
}
