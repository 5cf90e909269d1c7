import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../lib/cni/index.ts';
import { type TestNode, createTestNode, isRoot } from '../lib/testing/index.ts';

// The README's example configurations, run for real: each must ADD, CHECK and DEL cleanly.
const here = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here).filter((f) => f.endsWith('.conflist'));

/** Points every state directory into the test's temporary state and renames the bridges. */
function localize(text: string, state: string, tag: string): unknown {
  const conf = JSON.parse(text.replace(/"bridge": "cni(\d)"/g, `"bridge": "cnitsex${tag}$1"`));
  for (const p of conf.plugins) {
    if (p.ipam?.type === 'host-local') p.ipam.dataDir = join(state, 'ipam');
    if (p.type === 'portmap') p.stateDir = join(state, 'portmap');
  }
  return conf;
}

describe.skipIf(!isRoot())('example configurations (examples/*.conflist)', () => {
  let node: TestNode;
  beforeAll(() => {
    node = createTestNode({ nodeAddress: '192.0.2.1/24' });
  });
  afterAll(() => node?.cleanup());

  it.each(files)('%s works end to end', async (file) => {
    const list = node.network(localize(readFileSync(join(here, file), 'utf8'), node.stateDir, String(files.indexOf(file))));
    const pod = node.addPod('ex');
    const ifname = file.includes('loopback') ? 'lo' : 'eth0';
    const caps = { portMappings: [{ hostPort: 18100 + files.indexOf(file), containerPort: 80, protocol: 'tcp' }] };
    const result = (await node.add(list, pod, { ifname, capabilityArgs: caps })) as Result;
    expect(result.ips?.length).toBeGreaterThan(0);
    await node.check(list, pod, { ifname, capabilityArgs: caps });
    await node.del(list, pod, { ifname, capabilityArgs: caps });
    expect(readdirSync(join(node.stateDir, 'cache', 'results'))).toEqual([]);
  });
});
