import { resolve } from 'node:path';
import { type AttachmentRequest, CniError, ErrorCode, type Result, parsePrevResult } from '../../lib/cni/index.ts';
import { type DhcpConfig, parseDhcpConfig } from './config.ts';
import { DaemonDownError, askDaemon } from './daemon-client.ts';
import { type DaemonOp, type DaemonRequest, type LeaseView, PROTOCOL_VERSION } from './protocol.ts';
import { resultOfLease } from './result.ts';

// The plugin holds nothing itself: every verb is a request to the dhcp daemon, which holds the
// leases (daemon.ts). GC and STATUS have no handlers (skel answers success, as Go's nil ones).

function requestOf(op: DaemonOp, req: AttachmentRequest, conf: DhcpConfig): DaemonRequest {
  return {
    version: PROTOCOL_VERSION,
    op,
    containerId: req.containerId,
    network: req.config.name,
    ifname: req.ifname,
    // the daemon runs elsewhere (another working directory): the path must be absolute, as Go makes it
    netns: req.netns === '' ? '' : resolve(req.netns),
    requested: conf.requested,
    provided: conf.provided,
  };
}

async function leaseFor(op: 'allocate' | 'check', req: AttachmentRequest, conf: DhcpConfig): Promise<LeaseView> {
  let answer;
  try {
    answer = await askDaemon(conf.socketPath, requestOf(op, req, conf));
  } catch (e) {
    if (e instanceof DaemonDownError) {
      throw new CniError(ErrorCode.TryAgainLater, `the dhcp daemon is not running at ${conf.socketPath} (ipam.daemonSocketPath)`, `${e.code}: start it with "dhcp daemon -socketpath ${conf.socketPath}"`);
    }
    throw e;
  }
  if (!answer.ok) throw new CniError(answer.error.code, answer.error.msg, answer.error.details);
  if (answer.lease === undefined) throw new CniError(ErrorCode.Internal, 'the dhcp daemon answered without a lease');
  return answer.lease;
}

/** ADD: the daemon's lease for this attachment (a known one is reused) as the IPAM result. */
export async function add(req: AttachmentRequest): Promise<Result> {
  const conf = parseDhcpConfig(req.config, req.args);
  return resultOfLease(await leaseFor('allocate', req, conf), conf.priority);
}

/**
 * CHECK: the daemon still holds a lease for the attachment and, when prevResult is given, its
 * address is among prevResult's.
 */
export async function check(req: AttachmentRequest): Promise<void> {
  const conf = parseDhcpConfig(req.config, req.args);
  const prev = parsePrevResult(req.config);
  const lease = await leaseFor('check', req, conf);
  const address = `${lease.address}/${lease.prefix}`;
  if (prev !== undefined && !(prev.ips ?? []).some((ip) => ip.address === address)) {
    throw new CniError(ErrorCode.Internal, `dhcp: the lease ${address} of ${req.ifname} is not in prevResult`, `prevResult has ${(prev.ips ?? []).map((ip) => ip.address).join(', ') || 'no addresses'}`);
  }
}

/** DEL: the daemon releases the lease; a daemon that is not running holds nothing to release. */
export async function del(req: AttachmentRequest): Promise<void> {
  const conf = parseDhcpConfig(req.config, req.args);
  let answer;
  try {
    answer = await askDaemon(conf.socketPath, requestOf('release', req, conf));
  } catch (e) {
    if (e instanceof DaemonDownError) {
      process.stderr.write(`dhcp: no daemon at ${conf.socketPath} (${e.code}): no lease is held, nothing to release\n`);
      return;
    }
    throw e;
  }
  if (!answer.ok) throw new CniError(answer.error.code, answer.error.msg, answer.error.details);
}
