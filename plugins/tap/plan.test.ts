import { describe, expect, it } from 'vitest';
import { type AttachmentRequest, CniError, parseCniArgs } from '../../lib/cni/index.ts';
import { parseTapConfig, parseTapIpamType } from './config.ts';
import { planAddresses, planTap } from './plan.ts';
import { firstTapMismatch } from './verify.ts';

function req(extra: Record<string, unknown>, cniArgs?: string): AttachmentRequest {
  const config = { cniVersion: '1.1.0', name: 'net', type: 'tap', ...extra };
  return { command: 'ADD', config, stdin: Buffer.from(JSON.stringify(config)), cniVersion: '1.1.0', path: [], env: {}, containerId: 'c1', netns: '/run/netns/p', ifname: 'tap0', args: parseCniArgs(cniArgs) };
}

function codeOf(f: () => unknown): { code: number; msg: string } | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof CniError) return { code: e.code, msg: e.msg };
    throw e;
  }
  return undefined;
}

describe('parseTapConfig', () => {
  it('applies the reference defaults: no IPAM is L2 only', () => {
    expect(parseTapConfig(req({}))).toEqual({
      network: 'net',
      multiQueue: false,
      mtu: undefined,
      mac: undefined,
      owner: undefined,
      group: undefined,
      selinuxContext: undefined,
      bridge: undefined,
      ipamType: undefined,
      dns: undefined,
    });
    expect(parseTapConfig(req({ ipam: { type: '' }, mtu: 0, owner: null })).ipamType).toBeUndefined();
  });

  it('reads every key', () => {
    const c = parseTapConfig(req({ multiQueue: true, mtu: 9000, mac: '0A:58:0A:01:00:05', owner: 0, group: 4294967294, selinuxContext: 'system_u:system_r:container_t:s0', bridge: 'br0', ipam: { type: 'host-local' }, dns: { nameservers: ['10.0.0.53'] } }));
    expect(c).toEqual({
      network: 'net',
      multiQueue: true,
      mtu: 9000,
      mac: '0a:58:0a:01:00:05',
      owner: 0,
      group: 4294967294,
      selinuxContext: 'system_u:system_r:container_t:s0',
      bridge: 'br0',
      ipamType: 'host-local',
      dns: { nameservers: ['10.0.0.53'] },
    });
  });

  it('takes the MAC from the config, then CNI_ARGS MAC, then runtimeConfig.mac (the mac capability)', () => {
    expect(parseTapConfig(req({ mac: '02:00:00:00:00:01' }, 'IgnoreUnknown=1;MAC=02:00:00:00:00:02')).mac).toBe('02:00:00:00:00:02');
    expect(parseTapConfig(req({ mac: '02:00:00:00:00:01', runtimeConfig: { mac: '02:00:00:00:00:03' } }, 'MAC=02:00:00:00:00:02')).mac).toBe('02:00:00:00:00:03');
  });

  it.each([
    [{ owner: -1 }, 'invalid owner -1'],
    [{ owner: 1.5 }, 'invalid owner 1.5'],
    [{ owner: '1000' }, 'invalid owner "1000"'],
    [{ owner: 4294967295 }, 'invalid owner 4294967295'],
    [{ group: -100 }, 'invalid group -100'],
    [{ group: 'users' }, 'invalid group "users"'],
    [{ mac: 'not-a-mac' }, 'invalid mac "not-a-mac"'],
    [{ mac: '01:00:5e:00:00:01' }, 'invalid mac "01:00:5e:00:00:01"'],
    [{ runtimeConfig: { mac: '00:00:00:00:00:00' } }, 'invalid runtimeConfig.mac "00:00:00:00:00:00"'],
    [{ mtu: 10 }, 'invalid mtu 10'],
    [{ mtu: 70000 }, 'invalid mtu 70000'],
    [{ multiQueue: 'yes' }, 'invalid multiQueue "yes"'],
    [{ bridge: 'a/b' }, 'invalid bridge "a/b"'],
    [{ bridge: 'averyveryverylongname' }, 'invalid bridge "averyveryverylongname"'],
    [{ ipam: { type: '../x' } }, 'invalid ipam.type "../x"'],
  ])('rejects %j with code 7: %s', (extra, msg) => {
    expect(codeOf(() => parseTapConfig(req(extra)))).toEqual({ code: 7, msg });
  });

  it('rejects a bad CNI_ARGS MAC with code 7, even when runtimeConfig.mac would win', () => {
    expect(codeOf(() => parseTapConfig(req({ runtimeConfig: { mac: '02:00:00:00:00:03' } }, 'MAC=zz')))).toEqual({ code: 7, msg: 'invalid CNI_ARGS MAC "zz"' });
  });
});

describe('parseTapIpamType (DEL)', () => {
  it('needs only ipam.type: keys ADD would refuse do not stop a DEL', () => {
    expect(parseTapIpamType(req({ owner: -1, mac: 'bad', ipam: { type: 'host-local' } }))).toBe('host-local');
    expect(parseTapIpamType(req({}))).toBeUndefined();
    expect(parseTapIpamType(req({ ipam: { type: '' } }))).toBeUndefined();
    expect(codeOf(() => parseTapIpamType(req({ ipam: { type: 5 } })))?.code).toBe(7);
  });
});

describe('planTap', () => {
  it('asks for a vnet header exactly when the reference does: owner and group both set, no SELinux label', () => {
    const plan = (extra: Record<string, unknown>) => planTap(parseTapConfig(req(extra)), 'tap0');
    expect(plan({ owner: 1000, group: 100 }).tap.vnetHdr).toBe(true);
    expect(plan({ owner: 1000 }).tap.vnetHdr).toBe(false);
    expect(plan({ group: 100 }).tap.vnetHdr).toBe(false);
    expect(plan({ owner: 1000, group: 100, selinuxContext: 'x' }).tap.vnetHdr).toBe(false);
  });

  it('carries the device settings, and notes a SELinux label it cannot apply', () => {
    const p = planTap(parseTapConfig(req({ multiQueue: true, mtu: 1400, mac: '02:00:00:00:00:01', owner: 5, bridge: 'br0', selinuxContext: 'l' })), 'tap1');
    expect(p.tap).toEqual({ ifname: 'tap1', multiQueue: true, vnetHdr: false, owner: 5, group: undefined, mtu: 1400, mac: '02:00:00:00:00:01' });
    expect(p.bridge).toBe('br0');
    expect(p.notes).toHaveLength(1);
    expect(p.notes[0]).toMatch(/selinuxContext "l" is not applied/);
    expect(planTap(parseTapConfig(req({})), 'tap1').notes).toEqual([]);
  });
});

describe('planAddresses', () => {
  it('puts every address on the tap (index 0) and resolves route gateways per family', () => {
    const a = planAddresses('host-local', {
      cniVersion: '1.1.0',
      ips: [{ address: '10.1.0.5/24', gateway: '10.1.0.1' }, { address: 'fd00::5/64' }],
      routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0' }],
    });
    expect(a.ips).toEqual([{ address: '10.1.0.5/24', gateway: '10.1.0.1', interface: 0 }, { address: 'fd00::5/64', interface: 0 }]);
    expect(a.iface.routes).toEqual([{ dst: '0.0.0.0/0', gateway: '10.1.0.1' }, { dst: '::/0' }]);
    expect(a.iface.ipv6).toBe(true);
  });

  it('fails when IPAM gives no address', () => {
    expect(codeOf(() => planAddresses('static', { cniVersion: '1.1.0', ips: [] }))?.msg).toBe('IPAM plugin "static" returned missing IP config');
  });
});

describe('firstTapMismatch', () => {
  const cfg = parseTapConfig(req({ multiQueue: true, owner: 1000, group: 100, bridge: 'br0' }));
  const link = { index: 5, name: 'tap0', kind: 'tun', master: 3, mac: '02:00:00:00:00:01', up: true } as never;
  const info = { type: 'tap', owner: 1000, group: 100, pi: false, vnetHdr: true, persist: true, multiQueue: true, queues: 0 } as const;
  const bridge = { index: 3, name: 'br0', kind: 'bridge' } as never;
  const want = { name: 'tap0', mac: '02:00:00:00:00:01', sandbox: '/run/netns/p' };

  it('accepts the tap ADD made', () => {
    expect(firstTapMismatch('tap0', cfg, want, { link, info, bridge })).toBeUndefined();
  });

  it.each([
    [{ link: undefined }, 'interface tap0 does not exist'],
    [{ link: { ...(link as object), kind: 'veth' }, info: undefined }, 'interface tap0 is a veth, not a tap'],
    [{ info: { ...info, type: 'tun' } }, 'interface tap0 is a tun, not a tap'],
    [{ info: { ...info, persist: false } }, 'tap tap0 is not persistent'],
    [{ info: { ...info, multiQueue: false } }, 'tap tap0 is not multi-queue, the config says multiQueue true'],
    [{ info: { ...info, owner: undefined } }, 'tap tap0 has owner none, the config says 1000'],
    [{ info: { ...info, group: 5 } }, 'tap tap0 has group 5, the config says 100'],
    [{ link: { ...(link as object), mac: '02:00:00:00:00:09' } }, 'tap tap0 has MAC 02:00:00:00:00:09, prevResult says 02:00:00:00:00:01'],
    [{ link: { ...(link as object), up: false } }, 'tap tap0 is down'],
    [{ bridge: undefined }, 'bridge br0 does not exist'],
    [{ link: { ...(link as object), master: undefined } }, 'tap tap0 is not a port of bridge br0'],
  ])('reports %j: %s', (change, msg) => {
    expect(firstTapMismatch('tap0', cfg, want, { link, info, bridge, ...change } as never)).toBe(msg);
  });
});
