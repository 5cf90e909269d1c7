// The plugin's side of the daemon socket (protocol.ts): one connection per request.
import { connect } from 'node:net';
import { CniError, ErrorCode } from '../../lib/cni/index.ts';
import { type DaemonAnswer, type DaemonRequest, MAX_MESSAGE_BYTES, ProtocolError, decodeAnswer, encodeMessage } from './protocol.ts';

/** An ADD can wait for a whole acquisition (the daemon's -resendtimeout, 62 s by default) and more. */
export const ANSWER_TIMEOUT_MS = 5 * 60_000;

/** The daemon is not there (no socket file, or nobody listening on it). */
export class DaemonDownError extends Error {
  override readonly name = 'DaemonDownError';
  constructor(
    readonly socketPath: string,
    readonly code: string,
  ) {
    super(`no dhcp daemon listening on ${socketPath} (${code})`);
  }
}

/**
 * Sends one request and returns the daemon's answer.
 * @throws {DaemonDownError} when nothing listens on `socketPath`.
 * @throws {CniError} code 11 for any other failure to talk to it (including a timeout).
 */
export function askDaemon(socketPath: string, request: DaemonRequest, timeoutMs = ANSWER_TIMEOUT_MS): Promise<DaemonAnswer> {
  return new Promise((resolve, reject) => {
    const conn = connect(socketPath);
    let data = '';
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      conn.destroy();
      fn();
    };
    const unreachable = (why: string, hint = true) =>
      new CniError(ErrorCode.TryAgainLater, `cannot talk to the dhcp daemon at ${socketPath}`, hint ? `${why}; is "dhcp daemon -socketpath ${socketPath}" running?` : why);
    const timer = setTimeout(() => finish(() => reject(unreachable(`no answer within ${Math.round(timeoutMs / 1000)} s`))), timeoutMs);
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(encodeMessage(request)));
    conn.on('error', (e: NodeJS.ErrnoException) => {
      const code = e.code ?? 'error';
      finish(() => reject(code === 'ENOENT' || code === 'ECONNREFUSED' ? new DaemonDownError(socketPath, code) : unreachable(e.message)));
    });
    const done = () => {
      const end = data.indexOf('\n');
      const line = end < 0 ? data : data.slice(0, end);
      if (line.startsWith('HTTP/')) {
        // Go's daemon (net/rpc over HTTP) refusing a request that is not its CONNECT
        reject(unreachable(`the daemon there answered "${line.trim().slice(0, 60)}": it is Go's dhcp daemon, which speaks net/rpc; this plugin needs the cni-ts daemon`, false));
        return;
      }
      try {
        resolve(decodeAnswer(line));
      } catch (e) {
        reject(unreachable(e instanceof ProtocolError ? `unreadable answer: ${e.message}` : String(e)));
      }
    };
    conn.on('data', (chunk: string) => {
      data += chunk;
      if (data.includes('\n') || data.length > MAX_MESSAGE_BYTES) finish(done);
    });
    conn.on('end', () => finish(done));
  });
}
