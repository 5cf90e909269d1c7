import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, removeAllNamespaces } from '../../lib/testing/index.ts';
import { type BandwidthEnv, createBandwidthEnv } from './test-env.ts';

// The shaping measured: a pod limited to 8 Mbit/s each way sends 3 MB to the node's bridge
// address (egress: through the ifb), then receives 3 MB from it (ingress: the host veth's tbf).
// Both take about 3 s; the rate must hold within 20% (TCP/IP headers count against the
// limit, so the payload rate is some 4% under it; process start-up adds a little time too).

const RATE = 8000000;
const BYTES = 3000000;
const PORT = 5201;

/** Sends BYTES from `from` to `to` over TCP and returns the payload rate in bit/s, timed from the sender's start to the receiver's end. */
async function measure(fromNs: string, toNs: string, toAddr: string, bytes = BYTES): Promise<number> {
  const listener = spawn('ip', ['netns', 'exec', toNs, 'socat', '-u', `TCP-LISTEN:${PORT},reuseaddr`, 'OPEN:/dev/null'], { stdio: 'ignore' });
  const done = new Promise<number>((resolve) => listener.once('exit', (code) => resolve(code ?? 1)));
  try {
    // wait for the listener to be there
    for (let i = 0; i < 50; i++) {
      const ss = spawnSync('ip', ['netns', 'exec', toNs, 'ss', '-Hltn', `sport = :${PORT}`], { encoding: 'utf8' });
      if (ss.stdout.includes(`:${PORT}`)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const started = performance.now();
    const send = spawnSync('ip', ['netns', 'exec', fromNs, 'sh', '-c', `head -c ${bytes} /dev/zero | socat -u - TCP:${toAddr}:${PORT}`], { encoding: 'utf8', timeout: 30000 });
    expect(send.status, send.stderr).toBe(0);
    expect(await done).toBe(0);
    const seconds = (performance.now() - started) / 1000;
    return (bytes * 8) / seconds;
  } finally {
    if (listener.exitCode === null && listener.pid !== undefined) listener.kill();
  }
}

describe.skipIf(!isRoot())('bandwidth: the rate holds', () => {
  let env: BandwidthEnv;
  beforeAll(() => {
    env = createBandwidthEnv('bwrate');
  });
  afterAll(() => {
    env?.dispose();
    removeAllNamespaces();
  });

  it('8 Mbit/s each way, within 20%', { timeout: 60000 }, async () => {
    const p = await env.attach('pod');
    const shape = { ingressRate: RATE, ingressBurst: 80000, egressRate: RATE, egressBurst: 80000 };
    const add = await env.run('ADD', env.conf(shape, p), p);
    expect(add.code, add.stdout).toBe(0);
    const egress = await measure(p.pod.name, env.node.name, env.gateway);
    const ingress = await measure(env.node.name, p.pod.name, p.ip);
    process.stdout.write(`bandwidth: measured egress ${(egress / 1e6).toFixed(2)} Mbit/s, ingress ${(ingress / 1e6).toFixed(2)} Mbit/s (limit 8)\n`);
    for (const rate of [egress, ingress]) {
      expect(rate).toBeGreaterThan(RATE * 0.8);
      expect(rate).toBeLessThan(RATE * 1.2);
    }
    const del = await env.run('DEL', env.conf(shape), p);
    expect(del.code, del.stdout).toBe(0);
  });

  it('containerd\'s burst (2^32-1 bits) at 1 Mbit/s is a 512 MiB bucket: 25 MB pass at once (Go\'s wrapped 21 MB bucket would hold the last 4 MB for 30 s)', { timeout: 60000 }, async () => {
    const p = await env.attach('burst');
    const runtimeConfig = { bandwidth: { IngressRate: 1000000, IngressBurst: 4294967295, EgressRate: 0, EgressBurst: 0 } };
    const add = await env.run('ADD', env.conf({ runtimeConfig }, p), p);
    expect(add.code, add.stdout).toBe(0);
    const rate = await measure(env.node.name, p.pod.name, p.ip, 25000000);
    process.stdout.write(`bandwidth: 25 MB into a pod limited to 1 Mbit/s with containerd's burst: ${(rate / 1e6).toFixed(1)} Mbit/s\n`);
    expect(rate).toBeGreaterThan(25000000 * 8 / 15); // under 15 s, where a 21 MB bucket needs over 30
  });
});
