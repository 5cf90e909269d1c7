import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, ProtocolError, clientIdOf, decodeAnswer, decodeRequest, encodeMessage } from './protocol.ts';

const request = {
  version: PROTOCOL_VERSION,
  op: 'allocate' as const,
  containerId: 'c1',
  network: 'dnet',
  ifname: 'eth0',
  netns: '/run/netns/p',
  requested: [1, 3],
  provided: [{ code: 12, hex: '706f64' }],
};

describe('daemon protocol', () => {
  it('round-trips a request as one line', () => {
    const line = encodeMessage(request);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(decodeRequest(line.trimEnd())).toEqual(request);
  });

  it.each([
    ['another version', { ...request, version: 2 }, /protocol version 2/],
    ['an unknown op', { ...request, op: 'renew' }, /unknown op/],
    ['a relative netns', { ...request, netns: 'run/netns/p' }, /absolute/],
    ['an empty container id', { ...request, containerId: '' }, /must not be empty/],
    ['a bad option code', { ...request, requested: [256] }, /option codes/],
    ['a bad hex value', { ...request, provided: [{ code: 1, hex: 'xyz' }] }, /provided/],
  ])('refuses a request with %s', (_, bad, msg) => {
    expect(() => decodeRequest(JSON.stringify(bad))).toThrow(msg);
  });

  it('takes a release without a netns (the runtime may have none left)', () => {
    expect(decodeRequest(JSON.stringify({ ...request, op: 'release', netns: '' })).op).toBe('release');
  });

  it('refuses what is not JSON or not an object', () => {
    expect(() => decodeRequest('{')).toThrow(ProtocolError);
    expect(() => decodeRequest('[]')).toThrow(ProtocolError);
    expect(() => decodeAnswer('"x"')).toThrow(ProtocolError);
  });

  it('round-trips answers: a lease, a bare success, an error', () => {
    const lease = { address: '10.0.0.5', prefix: 24, router: '10.0.0.1', routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1' }], dnsServers: [], leaseSeconds: 60, boundAt: 1 };
    expect(decodeAnswer(encodeMessage({ version: 1, ok: true, lease }))).toEqual({ version: 1, ok: true, lease });
    expect(decodeAnswer(encodeMessage({ version: 1, ok: true }))).toEqual({ version: 1, ok: true });
    const error = { code: 11, msg: 'no lease', details: 'timeout' };
    expect(decodeAnswer(encodeMessage({ version: 1, ok: false, error }))).toEqual({ version: 1, ok: false, error });
    expect(() => decodeAnswer(JSON.stringify({ version: 1, ok: true, lease: { address: 1 } }))).toThrow(/lease lacks/);
    expect(() => decodeAnswer(JSON.stringify({ version: 1, ok: false, error: { msg: 'x' } }))).toThrow(/code or msg/);
  });

  it("derives Go's client id and cuts it to 254 bytes", () => {
    expect(clientIdOf('c1', 'dnet', 'eth0')).toBe('c1/dnet/eth0');
    expect(Buffer.byteLength(clientIdOf('x'.repeat(300), 'n', 'eth0'))).toBe(254);
  });
});
