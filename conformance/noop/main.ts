// noop: a recording CNI test plugin, like the CNI project's plugins/test/noop.
// It appends every call (CNI_* env and stdin) to a debug file and answers as that file says.
// The debug file is named by CNI_ARGS `DEBUG=<path>`, else the config key `debugFile`, else
// `<this executable>.debug.json` when it exists (VERSION and GC carry no CNI_ARGS, so a test
// can give each copy of the plugin its own behaviour that way). Without a debug file, and for
// calls the file gives no explicit answer, it behaves as a well-formed plugin through skel:
// ADD echoes prevResult (or returns a fixed result), the other verbs succeed.
import { existsSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { type PluginIo, type Result, SUPPORTED_VERSIONS, parsePrevResult, runPlugin } from '../../lib/cni/index.ts';
import { type NoopCall, type NoopDebug, type NoopInstructions, instructionsFor } from './debug.ts';

function readStdin(): Buffer {
  try {
    return readFileSync(0);
  } catch {
    return Buffer.alloc(0);
  }
}

function parseObject(stdin: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(stdin.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function debugArg(cniArgs: string | undefined): string | undefined {
  for (const pair of (cniArgs ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq) === 'DEBUG') return pair.slice(eq + 1);
  }
  return undefined;
}

function debugPath(conf: Record<string, unknown> | undefined, self: string): string | undefined {
  const fromArgs = debugArg(process.env.CNI_ARGS);
  if (fromArgs) return fromArgs;
  if (typeof conf?.debugFile === 'string' && conf.debugFile !== '') return conf.debugFile;
  const sidecar = `${self}.debug.json`;
  return existsSync(sidecar) ? sidecar : undefined;
}

function write(fd: number, text: string): void {
  if (text !== '') writeSync(fd, text);
}

/** Answers directly when the instructions say what to print; returns undefined otherwise. */
function explicitAnswer(instr: NoopInstructions): number | undefined {
  if (instr.reportError !== undefined) {
    const e = typeof instr.reportError === 'string' ? { code: 999, msg: instr.reportError } : instr.reportError;
    write(1, `${JSON.stringify(e)}\n`);
    return instr.reportExitCode ?? 1;
  }
  if (instr.reportResult !== undefined) {
    write(1, typeof instr.reportResult === 'string' ? instr.reportResult : JSON.stringify(instr.reportResult));
    return instr.reportExitCode ?? 0;
  }
  return instr.reportExitCode;
}

function defaultResult(env: NodeJS.ProcessEnv): Result {
  return {
    cniVersion: '1.1.0',
    interfaces: [{ name: env.CNI_IFNAME ?? 'eth0', mac: '0a:58:0a:7b:00:02', sandbox: env.CNI_NETNS ?? '' }],
    ips: [{ address: '10.123.0.2/24', gateway: '10.123.0.1', interface: 0 }],
    routes: [{ dst: '0.0.0.0/0' }],
  };
}

async function main(): Promise<number> {
  const self = process.argv[1] ?? 'noop';
  const stdin = readStdin();
  const conf = parseObject(stdin);
  const command = process.env.CNI_COMMAND ?? '';
  const type = typeof conf?.type === 'string' ? conf.type : basename(self);
  let instr: NoopInstructions = {};

  const path = debugPath(conf, self);
  if (path) {
    const debug: NoopDebug = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8') || '{}') as NoopDebug) : {};
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (k.startsWith('CNI_') && v !== undefined) env[k] = v;
    const call: NoopCall = { command, plugin: basename(self), env, stdin: stdin.toString('utf8') };
    if (typeof conf?.type === 'string') call.type = conf.type;
    (debug.calls ??= []).push(call);
    writeFileSync(path, `${JSON.stringify(debug, null, 2)}\n`);
    instr = instructionsFor(debug, command, type);
  }

  if (instr.reportStderr) write(2, instr.reportStderr);
  const explicit = explicitAnswer(instr);
  if (explicit !== undefined) return explicit;

  const io: PluginIo = {
    env: process.env,
    readStdin: () => stdin,
    writeStdout: (text) => write(1, text),
    writeStderr: (text) => write(2, text),
  };
  return runPlugin(
    {
      name: 'noop',
      versions: instr.reportVersionSupport ?? SUPPORTED_VERSIONS,
      handlers: {
        add: async (req) => parsePrevResult(req.config) ?? defaultResult(process.env),
        del: async () => {},
        check: async () => {},
        gc: async () => {},
        status: async () => {},
      },
    },
    io,
  );
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    write(2, `noop: ${String((e as Error)?.stack ?? e)}\n`);
    write(1, `${JSON.stringify({ code: 999, msg: `noop test plugin failed: ${String((e as Error)?.message ?? e)}` })}\n`);
    process.exitCode = 1;
  },
);
