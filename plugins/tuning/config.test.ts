import { describe, expect, it } from 'vitest';
import { type AttachmentRequest, CniError, type ConfigRequest, parseCniArgs } from '../../lib/cni/index.ts';
import { parseDataDir, parseTuningConfig, requirePrevResult } from './config.ts';

function req(extra: Record<string, unknown>, opts: { cniArgs?: string; ifname?: string; stdin?: string } = {}): AttachmentRequest {
  const config = { cniVersion: '1.1.0', name: 'net', type: 'tuning', ...extra };
  const stdin = Buffer.from(opts.stdin ?? JSON.stringify(config));
  const base: ConfigRequest = { command: 'ADD', config, stdin, cniVersion: '1.1.0', path: [], env: {} };
  return { ...base, containerId: 'c1', netns: '/run/netns/p', ifname: opts.ifname ?? 'eth0', args: parseCniArgs(opts.cniArgs) };
}

function codeAndMsg(fn: () => unknown): { code: number; msg: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof CniError) return { code: e.code, msg: e.msg };
    throw e;
  }
  throw new Error('expected a CniError');
}

describe('parseTuningConfig', () => {
  it('asks for nothing on an empty config (podman writes {"type":"tuning"})', () => {
    expect(parseTuningConfig(req({}))).toEqual({ dataDir: '/run/cni/tuning', sysctls: [], link: {}, sources: {} });
  });

  it('reads every key and resolves IFNAME in sysctl names', () => {
    const cfg = parseTuningConfig(
      req({ sysctl: { 'net.ipv4.conf.IFNAME.arp_filter': '1', 'net.core.somaxconn': '512' }, mac: 'C2:11:22:33:44:55', mtu: 1400, promisc: true, allmulti: false, txQLen: 500, dataDir: '/tmp/x' }),
    );
    expect(cfg.dataDir).toBe('/tmp/x');
    expect(cfg.sysctls).toEqual([
      { key: 'net.ipv4.conf.IFNAME.arp_filter', source: 'sysctl', name: 'net/ipv4/conf/eth0/arp_filter', value: '1' },
      { key: 'net.core.somaxconn', source: 'sysctl', name: 'net/core/somaxconn', value: '512' },
    ]);
    expect(cfg.link).toEqual({ mac: 'c2:11:22:33:44:55', mtu: 1400, promisc: true, allmulti: false, txQueueLen: 500 });
  });

  it('treats promisc false and mtu 0 as "not asked for", as Go does', () => {
    expect(parseTuningConfig(req({ promisc: false, mtu: 0 })).link).toEqual({});
  });

  it('gives the MAC by Go\'s precedence: config < CNI_ARGS MAC < runtimeConfig.mac < args.cni.mac', () => {
    const base = { mac: '02:00:00:00:00:01' };
    expect(parseTuningConfig(req(base)).link.mac).toBe('02:00:00:00:00:01');
    expect(parseTuningConfig(req(base, { cniArgs: 'IgnoreUnknown=1;MAC=02:00:00:00:00:02' })).link.mac).toBe('02:00:00:00:00:02');
    const rc = { ...base, runtimeConfig: { mac: '02:00:00:00:00:03' } };
    expect(parseTuningConfig(req(rc, { cniArgs: 'MAC=02:00:00:00:00:02' })).sources.mac).toBe('runtimeConfig.mac');
    const all = { ...rc, args: { cni: { mac: '02:00:00:00:00:04' } } };
    expect(parseTuningConfig(req(all, { cniArgs: 'MAC=02:00:00:00:00:02' })).link.mac).toBe('02:00:00:00:00:04');
  });

  it('lets args.cni override the settings and add to the sysctls (no Go panic without a top-level sysctl)', () => {
    const cfg = parseTuningConfig(req({ mtu: 1400, promisc: true, args: { cni: { mtu: 1300, promisc: false, txQLen: 7, sysctl: { 'net.core.somaxconn': '256' } } } }));
    expect(cfg.link).toEqual({ mtu: 1300, txQueueLen: 7 });
    expect(cfg.sources.mtu).toBe('args.cni.mtu');
    expect(cfg.sysctls).toEqual([{ key: 'net.core.somaxconn', source: 'args.cni.sysctl', name: 'net/core/somaxconn', value: '256' }]);
  });

  it('lets args.cni.sysctl override a key of sysctl', () => {
    const cfg = parseTuningConfig(req({ sysctl: { 'net.core.somaxconn': '512' }, args: { cni: { sysctl: { 'net.core.somaxconn': '256' } } } }));
    expect(cfg.sysctls.map((s) => [s.key, s.value, s.source])).toEqual([['net.core.somaxconn', '256', 'args.cni.sysctl']]);
  });

  it.each([
    [{ mtu: -1 }, 'invalid mtu -1'],
    [{ mtu: 1.5 }, 'invalid mtu 1.5'],
    [{ mtu: '1400' }, 'invalid mtu "1400"'],
    [{ txQLen: -1 }, 'invalid txQLen -1'],
    [{ txQLen: 4294967296 }, 'invalid txQLen 4294967296'],
    [{ promisc: 'yes' }, 'invalid promisc "yes"'],
    [{ allmulti: 1 }, 'invalid allmulti 1'],
    [{ sysctl: ['net.core.somaxconn'] }, 'invalid sysctl ["net.core.somaxconn"]'],
    [{ sysctl: { 'net.core.somaxconn': 512 } }, 'invalid sysctl.net.core.somaxconn 512'],
    [{ mac: 'zz:00:00:00:00:00' }, 'invalid mac "zz:00:00:00:00:00"'],
    [{ mac: '01:00:5e:00:00:01' }, 'invalid mac "01:00:5e:00:00:01"'],
    [{ mac: 'ff:ff:ff:ff:ff:ff' }, 'invalid mac "ff:ff:ff:ff:ff:ff"'],
    [{ mac: '00:00:00:00:00:00' }, 'invalid mac "00:00:00:00:00:00"'],
    [{ runtimeConfig: { mac: '03:00:00:00:00:01' } }, 'invalid runtimeConfig.mac "03:00:00:00:00:01"'],
    [{ args: { cni: { mac: 'x' } } }, 'invalid args.cni.mac "x"'],
    [{ args: { cni: { mtu: -5 } } }, 'invalid args.cni.mtu -5'],
    [{ dataDir: 7 }, 'invalid dataDir 7'],
    [{ sysctl: { 'kernel.hostname': 'x' } }, 'invalid sysctl key "kernel.hostname"'],
    [{ sysctl: { 'net.ipv4..conf': '1' } }, 'invalid sysctl key "net.ipv4..conf"'],
    [{ sysctl: { 'net/../kernel/hostname': 'x' } }, 'invalid sysctl key "net/../kernel/hostname"'],
    [{ sysctl: { '/net/core/somaxconn': '1' } }, 'invalid sysctl key "/net/core/somaxconn"'],
    [{ sysctl: { net: '1' } }, 'invalid sysctl key "net"'],
    [{ args: { cni: { sysctl: { 'vm.swappiness': '1' } } } }, 'invalid args.cni.sysctl key "vm.swappiness"'],
  ])('refuses %j with code 7 naming the key', (extra, msg) => {
    expect(codeAndMsg(() => parseTuningConfig(req(extra)))).toEqual({ code: 7, msg });
  });

  it('refuses a multicast MAC from CNI_ARGS naming CNI_ARGS', () => {
    expect(codeAndMsg(() => parseTuningConfig(req({}, { cniArgs: 'MAC=01:00:00:00:00:01' })))).toEqual({ code: 7, msg: 'invalid CNI_ARGS MAC "01:00:00:00:00:01"' });
  });

  it('refuses a sysctl key written twice (JSON.parse would keep the last silently)', () => {
    const stdin = '{"cniVersion":"1.1.0","name":"net","type":"tuning","sysctl":{"net.core.somaxconn":"1","net.core.somaxconn":"2"}}';
    expect(codeAndMsg(() => parseTuningConfig(req(JSON.parse(stdin) as Record<string, unknown>, { stdin })))).toEqual({ code: 7, msg: 'duplicated sysctl key "net.core.somaxconn" in sysctl' });
  });

  it('replaces only the first IFNAME, after the dots, so a dotted interface name survives', () => {
    const cfg = parseTuningConfig(req({ sysctl: { 'net.ipv4.conf.IFNAME.rp_filter': '2' } }, { ifname: 'eth0.100' }));
    expect(cfg.sysctls[0]?.name).toBe('net/ipv4/conf/eth0.100/rp_filter');
  });
});

describe('requirePrevResult', () => {
  it('is code 7 without prevResult and the converted result with one', () => {
    expect(codeAndMsg(() => requirePrevResult(req({})))).toEqual({ code: 7, msg: 'required prevResult missing' });
    const prev = { cniVersion: '1.1.0', interfaces: [{ name: 'eth0', sandbox: '/x' }], ips: [{ address: '10.0.0.2/24', interface: 0 }] };
    expect(requirePrevResult(req({ prevResult: prev })).ips?.[0]?.address).toBe('10.0.0.2/24');
  });
});

describe('parseDataDir (DEL)', () => {
  it('reads only dataDir, so a config ADD refused still deletes', () => {
    expect(parseDataDir(req({ sysctl: { 'kernel.hostname': 'x' }, mtu: -1 }, { cniArgs: 'MAC=junk' }))).toBe('/run/cni/tuning');
    expect(parseDataDir(req({ dataDir: '/tmp/t' }))).toBe('/tmp/t');
    expect(codeAndMsg(() => parseDataDir(req({ dataDir: 5 })))).toEqual({ code: 7, msg: 'invalid dataDir 5' });
  });
});
