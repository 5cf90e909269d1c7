// The daemon's command line, read the way Go's flag package reads Go's daemon's ("-flag value",
// "-flag=value", "--flag"), so a systemd unit written for one reads the same for the other
// where the flags exist in both. Pure, unit-tested.
import { DEFAULT_SOCKET_PATH } from './config.ts';

export interface DaemonOptions {
  readonly socketPath: string;
  /** Where leases are saved so a restarted daemon keeps renewing them. */
  readonly stateDir: string;
  readonly pidFile: string | undefined;
  /** The longest wait for one answer before resending (Go's -timeout). */
  readonly attemptMs: number;
  /** How long one acquisition keeps trying (Go's -resendtimeout). */
  readonly totalMs: number;
  /**
   * Where the host's root is mounted when the daemon runs in a container (Go's -hostprefix):
   * it is put in front of the socket path and of every netns path a plugin sends, which are
   * host paths. Empty when the daemon runs on the host.
   */
  readonly hostPrefix: string;
}

export const DEFAULT_STATE_DIR = '/run/cni-ts/dhcp';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `usage: dhcp daemon [-socketpath PATH] [-hostprefix DIR] [-statedir DIR] [-pidfile PATH] [-timeout DURATION] [-resendtimeout DURATION] [-broadcast]
  -socketpath     unix socket the plugin connects to (default ${DEFAULT_SOCKET_PATH}; the plugin's ipam.daemonSocketPath);
                  a socket passed by systemd socket activation (LISTEN_FDS=1) is used instead
  -hostprefix     where the host's root is mounted when the daemon runs in a container: prefixes
                  the socket path and the netns paths plugins send (not -statedir or -pidfile)
  -statedir       directory of the lease file, leases.json (default ${DEFAULT_STATE_DIR})
  -pidfile        write the daemon's PID there (absolute path)
  -timeout        longest wait for a server's answer before resending (default 10s)
  -resendtimeout  how long to keep trying to get a lease (default 62s)
  -broadcast      accepted for Go's command line; replies are always requested as broadcasts
`;

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration such as "10s", "1m30s", "500ms" -> milliseconds. @throws {UsageError} */
export function parseDuration(text: string, flag: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) throw new UsageError(`invalid value "${text}" for flag -${flag}: expected a duration such as 10s, 500ms or 1m30s`);
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * (UNITS[p[2] as string] as number), 0);
  if (ms <= 0) throw new UsageError(`invalid value "${text}" for flag -${flag}: it must be longer than 0`);
  return ms;
}

const VALUE_FLAGS = ['socketpath', 'hostprefix', 'statedir', 'pidfile', 'timeout', 'resendtimeout', 'resendmax'] as const;
const BOOL_FLAGS = ['broadcast'] as const;

/** The arguments after "daemon". @throws {UsageError} */
export function parseDaemonArgs(argv: readonly string[]): DaemonOptions {
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const m = /^--?([a-z]+)(?:=(.*))?$/.exec(arg);
    if (m === null) throw new UsageError(`unexpected argument "${arg}"`);
    const name = m[1] as string;
    if ((BOOL_FLAGS as readonly string[]).includes(name)) {
      if (m[2] !== undefined && !['true', 'false', '1', '0'].includes(m[2])) throw new UsageError(`invalid value "${m[2]}" for flag -${name}`);
      continue;
    }
    if (!(VALUE_FLAGS as readonly string[]).includes(name)) throw new UsageError(`flag provided but not defined: -${name}`);
    let value = m[2];
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`flag needs an argument: -${name}`);
    }
    values[name] = value;
  }
  const absolute = (flag: string, fallback?: string): string | undefined => {
    const v = values[flag] ?? fallback;
    if (v !== undefined && (!v.startsWith('/') || v.includes('\0'))) throw new UsageError(`invalid value "${v}" for flag -${flag}: expected an absolute path`);
    return v;
  };
  return {
    socketPath: absolute('socketpath', DEFAULT_SOCKET_PATH) as string,
    stateDir: absolute('statedir', DEFAULT_STATE_DIR) as string,
    pidFile: absolute('pidfile'),
    attemptMs: parseDuration(values.timeout ?? '10s', 'timeout'),
    // -resendmax is Go's cap on one backoff step; the closest thing here is the overall time
    totalMs: parseDuration(values.resendtimeout ?? values.resendmax ?? '62s', values.resendtimeout ? 'resendtimeout' : 'resendmax'),
    hostPrefix: hostPrefixOf(values.hostprefix),
  };
}

/** "" and "/" mean no prefix; a trailing slash is dropped so "/host/" + "/run/x" stays "/host/run/x". */
function hostPrefixOf(value: string | undefined): string {
  if (value === undefined || value === '') return '';
  if (!value.startsWith('/') || value.includes('\0')) throw new UsageError(`invalid value "${value}" for flag -hostprefix: expected an absolute path`);
  return value.replace(/\/+$/, '');
}
