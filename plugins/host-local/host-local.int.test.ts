// The host-local executable end to end, against a temporary dataDir. host-local touches no
// network namespace, so these tests need no root; they are integration tests because they
// run the bundled executable as a runtime would.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PluginCall, type PluginOutcome, runPluginBinary, DIST_BIN } from '../../lib/testing/index.ts';

/** The host-local that ships (npm test builds dist/bin first). */
const HOST_LOCAL = join(DIST_BIN, 'host-local');
let dataDir: string;
let seq = 0;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'cnits-hl-int-'));
});
afterAll(() => {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A fresh network name per test, so tests never see each other's reservations. */
function network(): string {
  seq += 1;
  return `net${seq}`;
}

function config(name: string, ipam: Record<string, unknown>, extra: Record<string, unknown> = {}, cniVersion = '1.1.0'): Record<string, unknown> {
  return { cniVersion, name, ipam: { type: 'host-local', dataDir, ...ipam }, ...extra };
}

function run(command: string, cfg: unknown, call: Partial<PluginCall> = {}): Promise<PluginOutcome> {
  return runPluginBinary(HOST_LOCAL, { command, config: cfg, containerId: 'ctr1', ifname: 'eth0', netns: '/dev/null', ...call });
}

function files(name: string): string[] {
  const dir = join(dataDir, name);
  return existsSync(dir) ? readdirSync(dir).filter((f) => !f.startsWith('.')).sort() : [];
}

describe('ADD', () => {
  it.each([
    ['0.2.0', { cniVersion: '0.2.0', ip4: { ip: '10.10.0.2/24', gateway: '10.10.0.1' } }],
    ['0.3.1', { cniVersion: '0.3.1', ips: [{ version: '4', address: '10.10.0.2/24', gateway: '10.10.0.1' }] }],
    ['0.4.0', { cniVersion: '0.4.0', ips: [{ version: '4', address: '10.10.0.2/24', gateway: '10.10.0.1' }] }],
    ['1.0.0', { cniVersion: '1.0.0', ips: [{ address: '10.10.0.2/24', gateway: '10.10.0.1' }] }],
    ['1.1.0', { cniVersion: '1.1.0', ips: [{ address: '10.10.0.2/24', gateway: '10.10.0.1' }] }],
  ])('prints an abbreviated IPAM result in the config version %s', async (version, want) => {
    const out = await run('ADD', config(network(), { subnet: '10.10.0.0/24' }, {}, version));
    expect(out.code).toBe(0);
    expect(out.json).toEqual(want);
  });

  it('allocates dual stack with routes and dns from resolvConf, and writes the Go layout', async () => {
    const name = network();
    const resolv = join(dataDir, `${name}.resolv.conf`);
    writeFileSync(resolv, 'nameserver 192.0.2.53\nsearch example.org\noptions ndots:2\n');
    const cfg = config(name, {
      ranges: [[{ subnet: '10.11.0.0/16', gateway: '10.11.0.254' }], [{ subnet: '2001:db8:11::/64' }]],
      routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0', gw: '2001:db8:11::1' }],
      resolvConf: resolv,
    });
    const out = await run('ADD', cfg, { containerId: 'abc123' });
    expect(out.json).toEqual({
      cniVersion: '1.1.0',
      ips: [
        { address: '10.11.0.1/16', gateway: '10.11.0.254' },
        { address: '2001:db8:11::2/64', gateway: '2001:db8:11::1' },
      ],
      routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0', gw: '2001:db8:11::1' }],
      dns: { nameservers: ['192.0.2.53'], search: ['example.org'], options: ['ndots:2'] },
    });
    expect(files(name)).toEqual(['10.11.0.1', '2001:db8:11::2', 'last_reserved_ip.0', 'last_reserved_ip.1', 'lock']);
    expect(readFileSync(join(dataDir, name, '2001:db8:11::2'), 'latin1')).toBe('abc123\r\neth0');
  });

  it('honours requested IPs from CNI_ARGS, args.cni.ips and runtimeConfig.ips, and prepends ipRanges', async () => {
    const name = network();
    const cfg = config(
      name,
      { ranges: [[{ subnet: '10.12.0.0/24' }], [{ subnet: '2001:db8:12::/64' }]] },
      { args: { cni: { ips: ['2001:db8:12::99'] } }, runtimeConfig: { ipRanges: [[{ subnet: '10.13.0.0/24' }]], ips: ['10.13.0.50'] } },
    );
    const out = await run('ADD', cfg, { args: 'IgnoreUnknown=1;IP=10.12.0.77/24' });
    expect(out.json.ips.map((i: { address: string }) => i.address)).toEqual(['10.13.0.50/24', '10.12.0.77/24', '2001:db8:12::99/64']);
  });

  it('refuses a second ADD of the same attachment, naming the held address', async () => {
    const cfg = config(network(), { subnet: '10.14.0.0/24' });
    expect((await run('ADD', cfg)).code).toBe(0);
    const again = await run('ADD', cfg);
    expect(again.code).toBe(1);
    expect(again.json).toMatchObject({ code: 999, msg: expect.stringContaining('10.14.0.2 has been allocated to ctr1') });
  });

  it('reports exhaustion naming the range set, and rejects config problems with code 7', async () => {
    const cfg = config(network(), { subnet: '10.15.0.0/30' });
    expect((await run('ADD', cfg, { containerId: 'a' })).code).toBe(0);
    const full = await run('ADD', cfg, { containerId: 'b' });
    expect(full.json).toMatchObject({ code: 999, msg: 'failed to allocate for range 0: no IP addresses available in range set: 10.15.0.1-10.15.0.2' });
    const bad = await run('ADD', config(network(), { subnet: '10.16.0.5/16' }));
    expect(bad.json).toMatchObject({ code: 7, msg: expect.stringContaining('ipam.subnet "10.16.0.5/16"') });
    const escape = await run('ADD', config('../escape', { subnet: '10.16.0.0/16' }));
    expect(escape.json).toMatchObject({ code: 7 });
    expect(existsSync(join(dataDir, '..', 'escape'))).toBe(false);
  });
});

describe('DEL and CHECK', () => {
  it('DEL releases, is idempotent, and succeeds for unknown containers without creating state', async () => {
    const name = network();
    const cfg = config(name, { subnet: '10.20.0.0/24' });
    await run('ADD', cfg);
    expect((await run('DEL', cfg)).code).toBe(0);
    expect(files(name)).toEqual(['last_reserved_ip.0', 'lock']);
    expect((await run('DEL', cfg)).code).toBe(0);
    const other = network();
    expect((await run('DEL', config(other, { subnet: '10.21.0.0/24' }), { netns: '' })).code).toBe(0);
    expect(existsSync(join(dataDir, other))).toBe(false);
  });

  it('CHECK passes for the reserved prevResult and fails for another address, after DEL, or a lost file', async () => {
    const name = network();
    const cfg = config(name, { subnet: '10.22.0.0/24' });
    const added = await run('ADD', cfg);
    const prevResult = added.json;
    expect((await run('CHECK', { ...cfg, prevResult })).code).toBe(0);
    const wrong = { ...prevResult, ips: [{ address: '10.22.0.99/24', gateway: '10.22.0.1' }] };
    const mismatch = await run('CHECK', { ...cfg, prevResult: wrong });
    expect(mismatch.json).toMatchObject({ code: 999, msg: expect.stringContaining('10.22.0.99') });
    // Addresses outside this config's ranges (another IPAM's) are not ours to check.
    const foreign = { ...prevResult, ips: [...prevResult.ips, { address: '192.0.2.1/24' }] };
    expect((await run('CHECK', { ...cfg, prevResult: foreign })).code).toBe(0);
    unlinkSync(join(dataDir, name, '10.22.0.2'));
    expect((await run('CHECK', { ...cfg, prevResult })).json).toMatchObject({ msg: expect.stringContaining('Failed to find address') });
  });
});

describe('GC and STATUS (1.1.0)', () => {
  it('GC releases attachments not listed, honours the older key, and without a list releases nothing', async () => {
    const name = network();
    const cfg = config(name, { subnet: '10.30.0.0/24' });
    for (const id of ['keep', 'drop1', 'drop2']) await run('ADD', cfg, { containerId: id });
    expect((await run('GC', cfg)).code).toBe(0);
    expect(files(name)).toHaveLength(5);
    const valid = [{ containerID: 'keep', ifname: 'eth0' }, { containerID: 'drop2', ifname: 'eth0' }];
    expect((await run('GC', { ...cfg, 'cni.dev/valid-attachments': valid })).code).toBe(0);
    expect(files(name)).toEqual(['10.30.0.2', '10.30.0.4', 'last_reserved_ip.0', 'lock']);
    expect((await run('GC', { ...cfg, 'cni.dev/attachments': [valid[0]] })).code).toBe(0);
    expect(files(name)).toEqual(['10.30.0.2', 'last_reserved_ip.0', 'lock']);
    expect((await run('GC', { ...cfg, 'cni.dev/valid-attachments': [] })).code).toBe(0);
    expect(files(name)).toEqual(['last_reserved_ip.0', 'lock']);
  });

  it('STATUS succeeds while every range set can serve an ADD, and fails with 50 naming the full one', async () => {
    const name = network();
    const cfg = config(name, { ranges: [[{ subnet: '10.31.0.0/24' }], [{ subnet: '10.32.0.0/30' }]] });
    expect((await run('STATUS', cfg)).code).toBe(0);
    expect(existsSync(join(dataDir, name))).toBe(false); // STATUS writes nothing
    await run('ADD', cfg);
    const st = await run('STATUS', cfg);
    expect(st.code).toBe(1);
    expect(st.json).toMatchObject({ code: 50, msg: 'no IP addresses available in range set: 10.32.0.1-10.32.0.2' });
    await run('DEL', cfg);
    expect((await run('STATUS', cfg)).code).toBe(0);
  });
});

describe('crash safety', () => {
  it('a process killed at any instant leaves complete reservations or none, and never a held lock', async () => {
    const name = network();
    const cfg = config(name, { subnet: '10.40.0.0/16' });
    const call = (id: string): PluginCall => ({ command: 'ADD', config: cfg, containerId: id, ifname: 'eth0', netns: '/dev/null' });
    // Calibrate: kill from half to one and a half times a normal ADD's duration, so that
    // kills land in startup, in the locked allocation and in the cache write alike.
    const normal: number[] = [];
    for (let i = 0; i < 3; i++) normal.push((await runPluginBinary(HOST_LOCAL, call(`warm${i}`))).ms);
    const t = normal.sort((a, b) => a - b)[1] as number;
    let killed = 0;
    for (let i = 0; i < 40; i++) killed += (await killedRun(call(`k${i}`), t * (0.5 + i / 40))) ? 1 : 0;
    const reservations = files(name).filter((n) => n.startsWith('10.'));
    for (const f of reservations) {
      expect(readFileSync(join(dataDir, name, f), 'latin1')).toMatch(/^(k|warm)\d+\r\neth0$/);
    }
    expect(killed).toBeGreaterThan(0); // the scenario really happened...
    expect(reservations.length).toBeGreaterThan(3); // ...and so did completed ADDs
    // The kernel dropped every lock: a new ADD completes, and GC finds a consistent store.
    expect((await run('ADD', cfg, { containerId: 'survivor' })).code).toBe(0);
    expect((await run('GC', { ...cfg, 'cni.dev/valid-attachments': [] })).code).toBe(0);
    expect(files(name)).toEqual(['last_reserved_ip.0', 'lock']);
  });

  it('waits for the Go-compatible flock on <dir>/lock and proceeds once its holder is killed', async () => {
    const name = network();
    const cfg = config(name, { subnet: '10.41.0.0/24' });
    await run('ADD', cfg, { containerId: 'first' });
    const { spawn, spawnSync } = await import('node:child_process');
    const lock = join(dataDir, name, 'lock');
    const holder = spawn('flock', [lock, 'sleep', '60'], { detached: true, stdio: 'ignore' });
    try {
      while (spawnSync('flock', ['-n', lock, 'true']).status === 0) await new Promise((r) => setTimeout(r, 20));
      let done = false;
      const pending = run('ADD', cfg, { containerId: 'second' }).then((o) => {
        done = true;
        return o;
      });
      await new Promise((r) => setTimeout(r, 1500));
      expect(done).toBe(false); // blocked on the lock
      process.kill(-(holder.pid as number), 'SIGKILL');
      const out = await pending;
      expect(out.code).toBe(0);
      expect(out.json.ips[0].address).toBe('10.41.0.3/24');
    } finally {
      try {
        process.kill(-(holder.pid as number), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
});

/** Runs an ADD and SIGKILLs it after `afterMs`; true when the kill landed before it exited. */
async function killedRun(call: PluginCall, afterMs: number): Promise<boolean> {
  const { spawn } = await import('node:child_process');
  const env = {
    PATH: process.env.PATH ?? '',
    CNI_COMMAND: call.command,
    CNI_CONTAINERID: call.containerId ?? '',
    CNI_IFNAME: call.ifname ?? '',
    CNI_NETNS: call.netns ?? '',
    CNI_PATH: '/',
  };
  return new Promise<boolean>((resolve) => {
    const child = spawn(HOST_LOCAL, [], { env, stdio: ['pipe', 'ignore', 'ignore'] });
    child.stdin.on('error', () => {});
    child.stdin.end(JSON.stringify(call.config));
    const timer = setTimeout(() => child.kill('SIGKILL'), afterMs);
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      resolve(signal === 'SIGKILL');
    });
  });
}
