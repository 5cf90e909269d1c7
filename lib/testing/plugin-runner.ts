import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestNamespace } from './netns.ts';

/** The built plugin directory of this repository (npm run build). */
export const DIST_BIN = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'bin');

/** Debian's Go reference plugins, for comparisons and interop tests. */
export const GO_PLUGIN_DIR = '/usr/lib/cni';

/** One plugin invocation as a runtime would make it. */
export interface PluginCall {
  command: 'ADD' | 'DEL' | 'CHECK' | 'VERSION' | 'GC' | 'STATUS' | string;
  config: unknown;
  containerId?: string;
  netns?: string;
  ifname?: string;
  args?: string;
  /** CNI_PATH; defaults to the directory the plugin was found in. */
  path?: string;
  /** Extra environment (e.g. CNI_TS_DEBUG). */
  env?: Record<string, string>;
  /** Run inside this namespace (the "node"); otherwise in the caller's. */
  node?: TestNamespace;
  /** Raw stdin instead of JSON.stringify(config). */
  stdin?: string;
}

/** What came back: exit code, raw streams and the parsed stdout (result or error JSON). */
export interface PluginOutcome {
  code: number;
  stdout: string;
  stderr: string;
  json: any;
  ms: number;
}

/**
 * Executes a plugin executable the way a runtime does: a clean environment holding only PATH
 * and the CNI_* variables, the config on stdin, inside the node namespace when given.
 */
export function runPluginBinary(binary: string, call: PluginCall): Promise<PluginOutcome> {
  if (!existsSync(binary)) throw new Error(`${binary} does not exist: run "npm run build" first`);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: call.command,
    CNI_PATH: call.path ?? dirname(binary),
    ...(call.containerId !== undefined ? { CNI_CONTAINERID: call.containerId } : {}),
    ...(call.netns !== undefined ? { CNI_NETNS: call.netns } : {}),
    ...(call.ifname !== undefined ? { CNI_IFNAME: call.ifname } : {}),
    ...(call.args !== undefined ? { CNI_ARGS: call.args } : {}),
    ...call.env,
  };
  const argv = call.node ? ['ip', 'netns', 'exec', call.node.name, binary] : [binary];
  const stdin = call.stdin ?? JSON.stringify(call.config);
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      let json: unknown;
      try {
        json = stdout.trim() ? JSON.parse(stdout) : undefined;
      } catch {
        json = undefined;
      }
      resolvePromise({ code: code ?? 1, stdout, stderr, json, ms: performance.now() - started });
    });
    child.stdin.on('error', () => {}); // a plugin may exit before reading stdin (VERSION)
    child.stdin.end(stdin);
  });
}

/** Runs one of our built plugins (dist/bin/<name>). */
export function runOurPlugin(name: string, call: PluginCall): Promise<PluginOutcome> {
  return runPluginBinary(join(DIST_BIN, name), call);
}

/** True when Debian's Go plugin of that name is installed. */
export function hasGoPlugin(name: string): boolean {
  return existsSync(join(GO_PLUGIN_DIR, name));
}
