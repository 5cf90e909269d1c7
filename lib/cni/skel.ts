import { type CniArgs, parseCniArgs, validateContainerId, validateIfname, validateNetworkName } from './args.ts';
import { convertResult } from './convert.ts';
import { parseJson } from './json-depth.ts';
import { type Attachment, UnavailableError } from '../core/index.ts';
import { CniError, ErrorCode, isCniError } from './errors.ts';
import type { Result } from './types.ts';
import { parseValidAttachments } from './valid-attachments.ts';
import { type InvocationRecord, formatLogLine, logSettings, shouldLog } from './invocation-log.ts';
import { SUPPORTED_VERSIONS, configVersion, reconcileVersion, specHasCheck, specHasGcAndStatus, versionAnswer } from './version.ts';

/** The verbs of the protocol. */
export type Command = 'ADD' | 'DEL' | 'CHECK' | 'VERSION' | 'GC' | 'STATUS';

/** The parsed network configuration a plugin received: always an object with a valid name. */
export type NetConf = Record<string, unknown> & { name: string };

/** What every verb that reads a config gets. */
export interface ConfigRequest {
  readonly command: Command;
  /** The parsed stdin object. */
  readonly config: NetConf;
  /** The exact stdin bytes, for delegation (a delegate must get the whole config unchanged). */
  readonly stdin: Buffer;
  /** The config's spec version ("0.1.0" when it named none). */
  readonly cniVersion: string;
  /** CNI_PATH split on ":" with empty entries dropped. */
  readonly path: readonly string[];
  /** The process environment, passed on to delegates. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** ADD, DEL and CHECK act on one attachment. */
export interface AttachmentRequest extends ConfigRequest {
  readonly containerId: string;
  /** Empty on a DEL whose namespace is already gone. */
  readonly netns: string;
  readonly ifname: string;
  readonly args: CniArgs;
}

/** GC names the attachments that are still valid; everything else of this network may go. */
export interface GcRequest extends ConfigRequest {
  /** From `cni.dev/valid-attachments`; undefined when the runtime sent no list at all: then nothing may be removed. */
  readonly validAttachments: readonly Attachment[] | undefined;
}

/** The handlers of one plugin; a verb without a handler is a silent success for GC and STATUS. */
export interface PluginHandlers {
  add?(req: AttachmentRequest): Promise<Result>;
  del?(req: AttachmentRequest): Promise<void>;
  check?(req: AttachmentRequest): Promise<void>;
  gc?(req: GcRequest): Promise<void>;
  status?(req: ConfigRequest): Promise<void>;
}

/** A plugin: its name for messages, the versions it speaks and its handlers. */
export interface PluginDefinition {
  readonly name: string;
  readonly versions?: readonly string[];
  readonly handlers: PluginHandlers;
}

/**
 * The process I/O skel uses: lib/sys processIo() in the executables (synchronous, through
 * libc, so nothing is lost when the process exits), a fake in tests.
 */
export interface PluginIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readStdin(): Buffer;
  writeStdout(text: string): void;
  writeStderr(text: string): void;
  /**
   * Appends one whole line to the invocation log at `path` (one write, O_APPEND), rotating the
   * file to `<path>.1` first when the line would take it past `maxBytes`. Throws when the file
   * cannot be written; skel then notes it on stderr and goes on. Without it, nothing is logged.
   */
  appendLog?(path: string, line: string, maxBytes: number): void;
}

const COMMANDS: readonly Command[] = ['ADD', 'DEL', 'CHECK', 'VERSION', 'GC', 'STATUS'];

/** Which variables each verb needs (spec table; CNI_NETNS is optional on DEL). */
const REQUIRED_ENV: Readonly<Record<Command, readonly string[]>> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME'],
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME'],
  GC: ['CNI_PATH'],
  STATUS: [],
  VERSION: [],
};

function print(io: PluginIo, value: unknown): void {
  io.writeStdout(`${JSON.stringify(value, null, 4)}\n`);
}

function splitPath(raw: string | undefined): string[] {
  return (raw ?? '').split(':').filter((p) => p !== '');
}

function parseConfig(stdin: Buffer): NetConf {
  let parsed: unknown;
  try {
    parsed = parseJson(stdin.toString('utf8'));
  } catch (e) {
    throw new CniError(ErrorCode.DecodeFailure, 'error parsing network config from stdin', (e as Error).message);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CniError(ErrorCode.DecodeFailure, 'error parsing network config from stdin', 'it must be a JSON object');
  }
  const conf = parsed as Record<string, unknown>;
  validateNetworkName(conf.name);
  if (conf.cniVersion !== undefined && typeof conf.cniVersion !== 'string') {
    throw new CniError(ErrorCode.DecodeFailure, 'invalid cniVersion', 'it must be a string such as "1.1.0"');
  }
  return conf as NetConf;
}

/**
 * Runs one plugin invocation: validates the environment and stdin for the verb, dispatches to
 * the handler and prints the result (converted to the config's version) or the spec error JSON,
 * then appends the run's line to the invocation log when one is configured. Only this module
 * writes to stdout. Returns the exit code.
 */
export async function runPlugin(plugin: PluginDefinition, io: PluginIo): Promise<number> {
  const startedAt = Date.now();
  const start = performance.now();
  const run: RunState = {};
  const outcome = await dispatch(plugin, io, run);
  // VERSION reads no config, and the sh fronts answer it without starting a process at all
  if (run.command !== 'VERSION') {
    try {
      logInvocation(plugin, io, run, outcome, startedAt, start);
    } catch (e) {
      // the log must never change what the runtime gets
      io.writeStderr(`${plugin.name}: invocation log: ${(e as Error)?.message ?? String(e)}\n`);
    }
  }
  return outcome.exitCode;
}

/** What dispatch learned about the run, for the invocation log. */
interface RunState {
  command?: string;
  config?: NetConf;
  cniVersion?: string;
  /** performance.now() when the handler was called. */
  handlerStart?: number;
  /** The ADD result, whose addresses are logged at level debug. */
  result?: Result;
}

/** How a run ended: the exit code, and the error printed when it failed. */
interface Outcome {
  readonly exitCode: number;
  readonly error?: CniError;
}

async function dispatch(plugin: PluginDefinition, io: PluginIo, run: RunState): Promise<Outcome> {
  const versions = plugin.versions ?? SUPPORTED_VERSIONS;
  let cniVersion: string | undefined;
  const fail = (err: CniError, version: string | undefined): Outcome => {
    print(io, err.toJSON(version));
    return { exitCode: 1, error: err };
  };
  const ok: Outcome = { exitCode: 0 };
  try {
    const command = io.env.CNI_COMMAND;
    run.command = command ?? '';
    if (command === undefined || command === '') {
      io.writeStderr(
        `CNI ${plugin.name} plugin (cni-ts); CNI protocol versions supported: ${versions.join(', ')}\n` +
          'It is run by a container runtime with CNI_COMMAND and the rest of the CNI_* environment set.\n',
      );
      throw new CniError(ErrorCode.InvalidEnvironment, 'required env variables [CNI_COMMAND] missing');
    }
    if (!(COMMANDS as readonly string[]).includes(command)) {
      throw new CniError(
        ErrorCode.InvalidEnvironment,
        `unknown CNI_COMMAND: ${command}`,
        `expected one of ${COMMANDS.join(', ')}`,
      );
    }
    const cmd = command as Command;
    if (cmd === 'VERSION') {
      io.writeStdout(versionAnswer(versions));
      return ok;
    }

    const missing = REQUIRED_ENV[cmd].filter((name) => !io.env[name]);
    if (missing.length) {
      throw new CniError(ErrorCode.InvalidEnvironment, `required env variables [${missing.join(',')}] missing`);
    }
    const attachment = cmd === 'ADD' || cmd === 'DEL' || cmd === 'CHECK';
    if (attachment) {
      validateContainerId(io.env.CNI_CONTAINERID ?? '');
      validateIfname(io.env.CNI_IFNAME ?? '');
    }

    let stdin: Buffer;
    try {
      stdin = io.readStdin();
    } catch (e) {
      throw new CniError(ErrorCode.IoFailure, 'error reading network config from stdin', (e as Error).message);
    }
    const config = parseConfig(stdin);
    run.config = config;
    const version = configVersion(config.cniVersion);
    reconcileVersion(version, versions);
    cniVersion = version;
    run.cniVersion = version;
    if (cmd === 'CHECK' && !specHasCheck(version)) {
      throw new CniError(ErrorCode.IncompatibleVersion, 'config version does not allow CHECK', `config is "${version}"; CHECK needs 0.4.0 or later`);
    }
    if ((cmd === 'GC' || cmd === 'STATUS') && !specHasGcAndStatus(version)) {
      throw new CniError(ErrorCode.IncompatibleVersion, `config version does not allow ${cmd}`, `config is "${version}"; ${cmd} needs 1.1.0 or later`);
    }

    const base: ConfigRequest = { command: cmd, config, stdin, cniVersion: version, path: splitPath(io.env.CNI_PATH), env: io.env };
    const { handlers } = plugin;
    run.handlerStart = performance.now();
    switch (cmd) {
      case 'ADD': {
        if (!handlers.add) throw notImplemented(plugin, cmd);
        const result = await handlers.add(attachmentRequest(base, io));
        run.result = result;
        print(io, convertResult(result, version));
        return ok;
      }
      case 'DEL':
        if (!handlers.del) throw notImplemented(plugin, cmd);
        await handlers.del(attachmentRequest(base, io));
        return ok;
      case 'CHECK':
        if (!handlers.check) throw notImplemented(plugin, cmd);
        await handlers.check(attachmentRequest(base, io));
        return ok;
      case 'GC':
        await handlers.gc?.({ ...base, validAttachments: parseValidAttachments(config) });
        return ok;
      case 'STATUS':
        await handlers.status?.(base);
        return ok;
    }
  } catch (e) {
    if (isCniError(e)) return fail(e, cniVersion);
    // a library's "the host lacks a tool" (e.g. no firewall backend) is the spec's code 50, or
    // 51 when pods already running depend on what is missing
    if (e instanceof UnavailableError) {
      const code = e.existingPodsAffected ? ErrorCode.PluginNotAvailableLimitedConnectivity : ErrorCode.PluginNotAvailable;
      return fail(new CniError(code, e.message, e.details), cniVersion);
    }
    const err = e as Error;
    if (io.env.CNI_TS_DEBUG) io.writeStderr(`${err?.stack ?? String(e)}\n`);
    return fail(new CniError(ErrorCode.Internal, err?.message ?? String(e)), cniVersion);
  }
}

/**
 * Writes the run's line to the invocation log when one is configured and the level asks for
 * it. Never changes the run's outcome: a log that cannot be written costs one line on stderr.
 */
function logInvocation(plugin: PluginDefinition, io: PluginIo, run: RunState, outcome: Outcome, startedAt: number, start: number): void {
  if (!io.appendLog) return;
  const { settings, notes } = logSettings(run.config, io.env);
  for (const note of notes) io.writeStderr(`${plugin.name}: invocation log: ${note}\n`);
  if (!settings || !shouldLog(settings.level, outcome.error !== undefined)) return;
  const end = performance.now();
  const { env } = io;
  const attachment = run.command === 'ADD' || run.command === 'DEL' || run.command === 'CHECK';
  const rec: InvocationRecord = {
    startedAt,
    plugin: plugin.name,
    command: run.command ?? '',
    network: run.config?.name,
    containerId: attachment ? env.CNI_CONTAINERID : undefined,
    netns: attachment ? env.CNI_NETNS : undefined,
    ifname: attachment ? env.CNI_IFNAME : undefined,
    durationMs: end - start,
    error: outcome.error,
    debug: settings.level !== 'debug' ? undefined : {
      pid: process.pid,
      cniVersion: run.cniVersion,
      // from the process's start to skel: the runtime's start-up and the module loading
      startupMs: start,
      // parsing and checking the environment and stdin, then the plugin's own work
      parseMs: run.handlerStart === undefined ? undefined : run.handlerStart - start,
      handlerMs: run.handlerStart === undefined ? undefined : end - run.handlerStart,
      ips: addressesOf(run.result),
    },
  };
  try {
    io.appendLog(settings.file, formatLogLine(rec, settings.level), settings.maxBytes);
  } catch (e) {
    io.writeStderr(`${plugin.name}: cannot write the invocation log ${JSON.stringify(settings.file)}: ${(e as Error)?.message ?? String(e)}\n`);
  }
}

/** The addresses of a result, read defensively: a delegate's result is only as good as the delegate. */
function addressesOf(result: Result | undefined): string[] | undefined {
  if (!Array.isArray(result?.ips)) return undefined;
  return result.ips.map((ip) => String((ip as { address?: unknown } | null)?.address));
}

function attachmentRequest(base: ConfigRequest, io: PluginIo): AttachmentRequest {
  return {
    ...base,
    containerId: io.env.CNI_CONTAINERID ?? '',
    netns: io.env.CNI_NETNS ?? '',
    ifname: io.env.CNI_IFNAME ?? '',
    args: parseCniArgs(io.env.CNI_ARGS),
  };
}

function notImplemented(plugin: PluginDefinition, cmd: Command): CniError {
  return new CniError(ErrorCode.Internal, `the ${plugin.name} plugin does not implement ${cmd} yet`);
}

/** The entry point of a plugin executable: runs with the process's I/O and sets the exit code. */
export function pluginMain(plugin: PluginDefinition, io: PluginIo): void {
  runPlugin(plugin, io).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      io.writeStderr(`${String((e as Error)?.stack ?? e)}\n`);
      process.exitCode = 1;
    },
  );
}
