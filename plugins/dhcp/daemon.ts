// The cni-ts dhcp daemon (`dhcp daemon ...`): the one long-lived process of the suite. DHCP
// leases outlive the plugin call that asked for them (they must be renewed at T1), so a
// resident process holds them, as in Go's design. It listens on a unix socket for the plugin
// (protocol.ts), runs the DHCP exchanges inside the pods' network namespaces (client.ts), and
// saves every lease to <statedir>/leases.json, so a restarted daemon resumes renewing them and
// can still release them on DEL (Go's daemon keeps them in memory only: #767).
import { existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { type Server, type Socket, connect, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { ErrorCode } from '../../lib/cni/errors.ts';
import { type LeaseGrant, leasePhase, leaseTimes, nextStep } from '../../lib/dhcp/lease.ts';
import { NetnsNotFoundError, NotNetnsError } from '../../lib/netns/index.ts';
import { ensurePrivateDir, readStateFile, replaceStateFile } from '../../lib/sys/state-file.ts';
import { AcquireError, type ClientTarget, acquireLease, extendLease, releaseLease } from './client.ts';
import type { ProvidedOption } from './config.ts';
import { type DaemonOptions, USAGE, UsageError, parseDaemonArgs } from './daemon-args.ts';
import { InterfaceError, takePodInterfaceDown } from './dhcp-socket.ts';
import { ActivationError, activatedListenFd, forgetActivation } from './socket-activation.ts';
import {
  type DaemonAnswer,
  type DaemonError,
  type DaemonRequest,
  type LeaseView,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  ProtocolError,
  clientIdOf,
  decodeRequest,
  encodeMessage,
} from './protocol.ts';

const STATE_VERSION = 1;

/** A lease as held and saved: what it is for, how to talk about it, and what was granted. */
interface HeldLease {
  readonly clientId: string;
  readonly containerId: string;
  readonly network: string;
  readonly ifname: string;
  readonly netns: string;
  readonly mac: string;
  readonly requested: readonly number[];
  readonly provided: readonly ProvidedOption[];
  grant: LeaseGrant;
}

function log(line: string): void {
  process.stderr.write(`${new Date().toISOString()} ${line}\n`);
}

function leaseView(g: LeaseGrant): LeaseView {
  return {
    address: g.address,
    prefix: g.prefix,
    ...(g.router !== undefined ? { router: g.router } : {}),
    routes: g.routes,
    dnsServers: g.dnsServers,
    ...(g.domain !== undefined ? { domain: g.domain } : {}),
    leaseSeconds: g.leaseSeconds,
    boundAt: g.boundAt,
  };
}

/** What the DHCP client needs of a lease; `netns` as this daemon sees the host's path. */
function targetOf(l: Pick<HeldLease, 'netns' | 'ifname' | 'clientId' | 'requested' | 'provided'>, hostPrefix: string): ClientTarget {
  return {
    netns: hostPrefix + l.netns,
    ifname: l.ifname,
    clientId: l.clientId,
    requested: l.requested,
    provided: new Map(l.provided.map((p) => [p.code, Buffer.from(p.hex, 'hex')])),
  };
}

class Aborted extends Error {}

/** Resolves at `at` (ms since the epoch), rejects with Aborted when `signal` fires first. */
function sleepUntil(at: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Aborted());
    // setTimeout holds at most ~24.8 days: longer waits are cut and the loop computes again
    const timer = setTimeout(done, Math.min(Math.max(0, at - Date.now()), 2 ** 31 - 1));
    function done() {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(new Aborted());
    }
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The leases, their maintenance loops, the lease file. */
export class LeaseKeeper {
  readonly #leases = new Map<string, HeldLease>();
  readonly #loops = new Map<string, AbortController>();
  /** Per client id, the tail of its queue: one allocate or release at a time per attachment. */
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #file: string;

  constructor(
    readonly options: DaemonOptions,
  ) {
    this.#file = join(options.stateDir, 'leases.json');
  }

  /**
   * Leases keep the netns path the plugin sent (a host path), so a lease file stays valid when
   * the daemon is restarted with another -hostprefix; the prefix is added where a path is opened.
   */
  #netnsExists(netns: string): boolean {
    return existsSync(this.options.hostPrefix + netns);
  }

  /** Reads the lease file and resumes every lease still valid whose netns still exists. */
  load(): void {
    ensurePrivateDir(this.options.stateDir);
    const read = readStateFile(this.#file);
    if (read.kind === 'planted') throw read.error;
    if (read.kind === 'missing') return;
    let saved: { version?: unknown; leases?: unknown };
    try {
      saved = JSON.parse(read.text);
    } catch (e) {
      log(`ignoring ${this.#file}: not JSON (${(e as Error).message})`);
      return;
    }
    if (saved.version !== STATE_VERSION || !Array.isArray(saved.leases)) {
      log(`ignoring ${this.#file}: not a version ${STATE_VERSION} lease file`);
      return;
    }
    for (const l of saved.leases as HeldLease[]) {
      if (typeof l?.clientId !== 'string' || typeof l.grant?.address !== 'string') continue;
      if (leasePhase(l.grant, Date.now()) === 'expired') {
        log(`${l.clientId}: lease ${l.grant.address} expired while the daemon was down; dropped`);
        continue;
      }
      if (!this.#netnsExists(l.netns)) {
        log(`${l.clientId}: network namespace ${l.netns} is gone; lease ${l.grant.address} dropped`);
        continue;
      }
      this.#leases.set(l.clientId, l);
      this.#startLoop(l);
      log(`${l.clientId}: resumed lease ${l.grant.address}/${l.grant.prefix}, renewal at ${new Date(leaseTimes(l.grant).renewAt).toISOString()}`);
    }
    this.#save();
  }

  /** Stops every loop without releasing: the leases stay in the file for the next start. */
  stop(): void {
    for (const c of this.#loops.values()) c.abort();
    this.#loops.clear();
  }

  #save(): void {
    const data = { version: STATE_VERSION, leases: [...this.#leases.values()] };
    try {
      replaceStateFile(this.#file, `${JSON.stringify(data, null, 1)}\n`);
    } catch (e) {
      log(`cannot save ${this.#file}: ${(e as Error).message}`);
    }
  }

  #serialized<T>(clientId: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#queues.get(clientId) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const tail = run.catch(() => {});
    this.#queues.set(clientId, tail);
    void tail.then(() => {
      if (this.#queues.get(clientId) === tail) this.#queues.delete(clientId);
    });
    return run;
  }

  #forget(clientId: string): void {
    this.#loops.get(clientId)?.abort();
    this.#loops.delete(clientId);
    this.#leases.delete(clientId);
    this.#save();
  }

  /** ADD: the known lease of this attachment, else a new one. */
  allocate(req: DaemonRequest): Promise<LeaseView> {
    const clientId = clientIdOf(req.containerId, req.network, req.ifname);
    return this.#serialized(clientId, async () => {
      const known = this.#leases.get(clientId);
      if (known !== undefined) {
        log(`${clientId}: reusing lease ${known.grant.address}`);
        return leaseView(known.grant);
      }
      log(`${clientId}: acquiring lease on ${req.ifname} in ${req.netns}`);
      const base = { clientId, containerId: req.containerId, network: req.network, ifname: req.ifname, netns: req.netns, requested: req.requested, provided: req.provided };
      const { lease, mac } = await acquireLease(targetOf(base, this.options.hostPrefix), { attemptMs: this.options.attemptMs, totalMs: this.options.totalMs }, log);
      const held: HeldLease = { ...base, mac, grant: lease };
      this.#leases.set(clientId, held);
      this.#save();
      this.#startLoop(held);
      log(`${clientId}: lease acquired: ${lease.address}/${lease.prefix} from ${lease.serverId} for ${lease.leaseSeconds} s`);
      return leaseView(lease);
    });
  }

  /** CHECK: the known lease; none is an error (the attachment has no address from us). */
  check(req: DaemonRequest): LeaseView {
    const clientId = clientIdOf(req.containerId, req.network, req.ifname);
    const known = this.#leases.get(clientId);
    if (known === undefined) throw new DaemonFailure({ code: ErrorCode.Internal, msg: `the dhcp daemon holds no lease for ${clientId}`, details: 'ADD did not run through this daemon, or the lease was lost (NAK or expiry)' });
    return leaseView(known.grant);
  }

  /** DEL: DHCPRELEASE and forget; an unknown attachment is success (nothing to release). */
  release(req: DaemonRequest): Promise<void> {
    const clientId = clientIdOf(req.containerId, req.network, req.ifname);
    return this.#serialized(clientId, async () => {
      const known = this.#leases.get(clientId);
      if (known === undefined) {
        log(`${clientId}: release: no lease known, nothing to do`);
        return;
      }
      this.#forget(clientId);
      try {
        releaseLease(targetOf(known, this.options.hostPrefix), known.mac, known.grant);
        log(`${clientId}: released ${known.grant.address} to ${known.grant.serverId}`);
      } catch (e) {
        // the pod's netns or interface is already gone: the server will see the lease expire
        log(`${clientId}: lease ${known.grant.address} forgotten; DHCPRELEASE not sent: ${(e as Error).message}`);
      }
    });
  }

  #startLoop(held: HeldLease): void {
    const controller = new AbortController();
    this.#loops.get(held.clientId)?.abort();
    this.#loops.set(held.clientId, controller);
    this.#maintain(held, controller.signal).catch((e: unknown) => {
      if (!(e instanceof Aborted)) log(`${held.clientId}: maintenance stopped: ${(e as Error)?.stack ?? String(e)}`);
    });
  }

  /** BOUND -> RENEWING at T1 -> REBINDING at T2 -> expired (link set down, as Go). */
  async #maintain(held: HeldLease, signal: AbortSignal): Promise<void> {
    for (;;) {
      const now = Date.now();
      const phase = leasePhase(held.grant, now);
      if (phase === 'bound') {
        await sleepUntil(nextStep(held.grant, now).at, signal);
        continue;
      }
      if (!this.#netnsExists(held.netns)) {
        log(`${held.clientId}: network namespace ${held.netns} is gone; lease ${held.grant.address} dropped`);
        this.#forget(held.clientId);
        return;
      }
      if (phase === 'expired') {
        log(`${held.clientId}: lease ${held.grant.address} expired; setting ${held.ifname} down`);
        this.#forget(held.clientId);
        try {
          takePodInterfaceDown(this.options.hostPrefix + held.netns, held.ifname);
        } catch (e) {
          log(`${held.clientId}: ${(e as Error).message}`);
        }
        return;
      }
      const t = leaseTimes(held.grant);
      const boundary = phase === 'renewing' ? t.rebindAt : t.expiresAt;
      const waitMs = Math.max(500, Math.min(this.options.attemptMs, (boundary - now) / 2));
      const outcome = await extendLease(targetOf(held, this.options.hostPrefix), held.mac, held.grant, phase, waitMs);
      if (signal.aborted) return;
      if (outcome.kind === 'ack') {
        if (outcome.lease.address !== held.grant.address) log(`${held.clientId}: the server changed the address from ${held.grant.address}`);
        held.grant = outcome.lease;
        this.#save();
        log(`${held.clientId}: lease ${outcome.lease.address} ${phase === 'renewing' ? 'renewed' : 'rebound'} for ${outcome.lease.leaseSeconds} s`);
        continue;
      }
      if (outcome.kind === 'nak') {
        log(`${held.clientId}: DHCPNAK for ${held.grant.address} while ${phase}; lease dropped, setting ${held.ifname} down`);
        this.#forget(held.clientId);
        try {
          takePodInterfaceDown(this.options.hostPrefix + held.netns, held.ifname);
        } catch (e) {
          log(`${held.clientId}: ${(e as Error).message}`);
        }
        return;
      }
      log(`${held.clientId}: ${phase}: ${outcome.why}`);
      await sleepUntil(nextStep(held.grant, Date.now()).at, signal);
    }
  }
}

/** An error answered to the plugin as is. */
class DaemonFailure extends Error {
  constructor(readonly error: DaemonError) {
    super(error.msg);
  }
}

/** A failure of an operation, as the CNI error the plugin prints. */
export function failureOf(e: unknown): DaemonError {
  if (e instanceof DaemonFailure) return e.error;
  if (e instanceof ProtocolError) return { code: ErrorCode.DecodeFailure, msg: 'the dhcp daemon cannot read the request', details: e.message };
  if (e instanceof NetnsNotFoundError) return { code: ErrorCode.UnknownContainer, msg: e.message };
  if (e instanceof NotNetnsError) return { code: ErrorCode.InvalidEnvironment, msg: e.message };
  if (e instanceof AcquireError) return { code: ErrorCode.TryAgainLater, msg: e.message };
  if (e instanceof InterfaceError) return { code: ErrorCode.Internal, msg: e.message };
  return { code: ErrorCode.Internal, msg: `dhcp daemon: ${(e as Error)?.message ?? String(e)}` };
}

async function answer(keeper: LeaseKeeper, line: string): Promise<DaemonAnswer> {
  try {
    const req = decodeRequest(line);
    switch (req.op) {
      case 'allocate':
        return { version: PROTOCOL_VERSION, ok: true, lease: await keeper.allocate(req) };
      case 'check':
        return { version: PROTOCOL_VERSION, ok: true, lease: keeper.check(req) };
      case 'release':
        await keeper.release(req);
        return { version: PROTOCOL_VERSION, ok: true };
    }
  } catch (e) {
    const error = failureOf(e);
    log(`request failed: ${error.msg}${error.details ? `: ${error.details}` : ''}`);
    return { version: PROTOCOL_VERSION, ok: false, error };
  }
}

function serve(keeper: LeaseKeeper, conn: Socket): void {
  let data = '';
  let done = false;
  conn.setEncoding('utf8');
  conn.on('error', () => {}); // a plugin that went away: nothing to tell it
  conn.on('data', (chunk: string) => {
    if (done) return;
    data += chunk;
    const end = data.indexOf('\n');
    if (end < 0 && data.length <= MAX_MESSAGE_BYTES) return;
    done = true;
    const line = end < 0 ? data : data.slice(0, end);
    if (line.startsWith('CONNECT /_goRPC_')) {
      // Go's plugin (net/rpc over HTTP): an HTTP refusal, which it prints as "unexpected HTTP response"
      log('a Go dhcp plugin connected (net/rpc); refused: this daemon speaks the cni-ts protocol');
      conn.end('HTTP/1.0 501 this is the cni-ts dhcp daemon: it speaks the cni-ts protocol, not Go net/rpc; use the cni-ts dhcp plugin\n\n');
      return;
    }
    void answer(keeper, line).then((a) => conn.end(encodeMessage(a)));
  });
}

/** Whether something accepts connections on `path` (a running daemon) rather than a stale socket file. */
function socketInUse(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(path);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/** Runs the daemon until SIGTERM or SIGINT. Returns the exit code for a start-up failure. */
export async function runDaemon(argv: readonly string[]): Promise<number> {
  let options: DaemonOptions;
  try {
    options = parseDaemonArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`dhcp daemon: ${e.message}\n${USAGE}`);
    return 2;
  }
  let activatedFd: number | undefined;
  try {
    activatedFd = activatedListenFd(process.env, process.pid);
  } catch (e) {
    if (!(e instanceof ActivationError)) throw e;
    process.stderr.write(`dhcp daemon: ${e.message}\n`);
    return 1;
  }
  forgetActivation(process.env);
  const socketPath = options.hostPrefix + options.socketPath;
  const { pidFile } = options;
  if (activatedFd === undefined) {
    ensurePrivateDir(dirname(socketPath));
    if (existsSync(socketPath)) {
      if (await socketInUse(socketPath)) {
        process.stderr.write(`dhcp daemon: ${socketPath} is in use: another dhcp daemon runs there\n`);
        return 1;
      }
      unlinkSync(socketPath); // left by a daemon that was killed
    }
  }
  const keeper = new LeaseKeeper(options);
  keeper.load();
  const server: Server = createServer((conn) => serve(keeper, conn));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if (activatedFd === undefined) server.listen(socketPath, () => resolve());
      else server.listen({ fd: activatedFd }, () => resolve());
    });
  } catch (e) {
    keeper.stop();
    const where = activatedFd === undefined ? socketPath : `the socket systemd passed (fd ${activatedFd})`;
    process.stderr.write(`dhcp daemon: cannot listen on ${where}: ${(e as Error).message}\n`);
    return 1;
  }
  if (pidFile !== undefined) writeFileSync(pidFile, `${process.pid}\n`);
  const listening = activatedFd === undefined ? socketPath : `the socket systemd passed (fd ${activatedFd}, LISTEN_FDS=1)`;
  log(`dhcp daemon listening on ${listening} (leases in ${options.stateDir})`);
  // systemd owns an activated socket: it stays, so plugins can connect while the daemon restarts
  const ownFiles = activatedFd === undefined ? [socketPath, pidFile] : [pidFile];
  const shutdown = (signal: string) => {
    log(`${signal}: stopping; leases stay in ${options.stateDir} for the next start`);
    keeper.stop();
    server.close();
    for (const f of ownFiles) {
      if (f === undefined) continue;
      try {
        unlinkSync(f);
      } catch {}
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  return new Promise<number>(() => {}); // runs until a signal
}
