// The per-check sandbox: lazily created node namespace, pod namespaces, a temporary directory,
// a transcript of every plugin execution, and cleanup that always runs.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { addNodeAddress, createNamespace, type TestNamespace } from '../lib/testing/index.ts';
import { execIn } from './exec.ts';
import type { CallSpec, CheckContext, Invocation, PluginName, Side } from './types.ts';
import type { SpecVersion } from './versions.ts';

/** The node's own address on its uplink; port mappings are reached through it. */
export const NODE_IP = '192.0.2.1';

/** Thrown by `ctx.skip`. */
export class SkipSignal extends Error {
  override readonly name = 'SkipSignal';
}

/** Everything a context needs from the runner. */
export interface ContextInit {
  id: string;
  version: SpecVersion;
  dirs: { plugins: string; reference: string | undefined };
  advertised: (plugin: PluginName, side: Side) => readonly string[] | undefined;
  signal: AbortSignal;
  /** Time limit for one plugin execution (ms). */
  callTimeoutMs: number;
}

/** A context plus what the runner reads back from it. */
export interface ContextHandle {
  ctx: CheckContext;
  notes: string[];
  invocations: Invocation[];
  /** Runs the deferred cleanups, removes namespaces and the temporary directory. */
  close(): Promise<string[]>;
}

/** Creates the sandbox of one check instance. */
export function createContext(init: ContextInit): ContextHandle {
  const tmp = mkdtempSync(join(tmpdir(), 'cnits-conf-'));
  const notes: string[] = [];
  const invocations: Invocation[] = [];
  const cleanups: (() => unknown)[] = [];
  const namespaces: TestNamespace[] = [];
  let node: TestNamespace | undefined;

  function namespace(purpose: string): TestNamespace {
    if (init.signal.aborted) throw new Error('check aborted');
    const ns = createNamespace(purpose);
    namespaces.push(ns);
    return ns;
  }

  const ctx: CheckContext = {
    id: init.id,
    version: init.version,
    dirs: init.dirs,
    tmp,
    dataDir: join(tmp, 'ipam'),
    signal: init.signal,
    bin(plugin, side = 'plugins') {
      const dir = side === 'plugins' ? init.dirs.plugins : init.dirs.reference;
      if (dir === undefined) throw new Error('no reference directory');
      return join(dir, plugin);
    },
    advertised(plugin, side = 'plugins') {
      return init.advertised(plugin, side);
    },
    skip(reason) {
      throw new SkipSignal(reason);
    },
    note(text) {
      notes.push(text);
    },
    defer(cleanup) {
      cleanups.push(cleanup);
    },
    node() {
      if (!node) {
        node = namespace('node');
        addNodeAddress(node, `${NODE_IP}/24`);
      }
      return node;
    },
    namespace,
    containerId() {
      return `cnitest-${randomBytes(6).toString('hex')}`;
    },
    async call(binary, spec) {
      if (init.signal.aborted) throw new Error('check aborted');
      const env = pluginEnv(binary, spec);
      const stdin = typeof spec.stdin === 'string' ? spec.stdin : JSON.stringify(spec.stdin);
      const r = await execIn(ctx.node().name, [binary], {
        env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...env },
        input: stdin,
        timeoutMs: init.callTimeoutMs,
        signal: init.signal,
      });
      let json: unknown;
      try {
        json = r.stdout.trim() === '' ? undefined : JSON.parse(r.stdout);
      } catch {
        json = undefined;
      }
      const inv: Invocation = { binary, env, stdin, code: r.code, stdout: r.stdout, stderr: r.stderr, json, ms: Math.round(r.ms), timedOut: r.timedOut };
      invocations.push(inv);
      return inv;
    },
  };

  async function close(): Promise<string[]> {
    const problems: string[] = [];
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        problems.push(`cleanup: ${(err as Error).message}`);
      }
    }
    for (const ns of namespaces.reverse()) ns.remove();
    rmSync(tmp, { recursive: true, force: true });
    return problems;
  }

  return { ctx, notes, invocations, close };
}

/** The CNI_* environment of one call: only what the spec names, nothing inherited. */
export function pluginEnv(binary: string, spec: CallSpec): Record<string, string> {
  const env: Record<string, string | undefined> = {
    CNI_COMMAND: spec.command,
    CNI_CONTAINERID: spec.containerId,
    CNI_NETNS: spec.netns,
    CNI_IFNAME: spec.ifname,
    CNI_ARGS: spec.args,
    CNI_PATH: spec.cniPath ?? dirname(binary),
    ...spec.env,
  };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}
