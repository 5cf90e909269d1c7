import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bridgeConflist, ipv4InSubnet, type BridgeNetwork, type NetworkSettings } from './conflist.ts';
import type { ScenarioContext } from './context.ts';
import { containerNetwork, setUpPodman } from './podman-env.ts';
import { NODE_IP } from './node-env.ts';
import { checkNoTraces, checkWhileRunning } from './trace-checks.ts';
import { clientScript, expectPage, expectProbe, parseClientOutput, selfAddress } from './probes.ts';
import { eventually } from './sh.ts';
import {
  expectNone,
  linesMentioning,
  readBridgePorts,
  readCacheEntries,
  readIpamFiles,
  readRuleset,
  readRuntimeNetns,
  reservations,
  type ContainerRefs,
} from './traces.ts';

// podman 4 with network_backend="cni" on our plugins (real-clients.md section 10): a web
// container with a host port, a second container reaching it, a network reload, and removal
// leaving nothing behind.

/** The podman network of the e2e. */
export function podmanNetwork({ stateDir, cniVersion, ipMasq }: NetworkSettings): BridgeNetwork {
  return {
    name: 'cnie2e-podman',
    bridge: 'cnie2e-pm0',
    subnet: '10.123.0.0/24',
    gateway: '10.123.0.1',
    ipamDir: join(stateDir, 'podman', 'ipam'),
    cniVersion,
    ipMasq,
  };
}

/** Host port of the podman web container. */
export const PODMAN_HOST_PORT = 18080;

/** Runs the podman scenario; every check reports itself. */
export async function podmanScenario(ctx: ScenarioContext): Promise<void> {
  const { report, env, page } = ctx;
  const net = podmanNetwork(ctx);
  const cli = await report.step('podman: write containers.conf, storage.conf and the conflist', () => {
    const c = setUpPodman(ctx, net);
    mkdirSync(net.ipamDir, { recursive: true });
    writeFileSync(join(c.paths.netDir, `${net.name}.conflist`), `${JSON.stringify(bridgeConflist(net), null, 2)}\n`);
    return c;
  });
  const podman = cli.must;
  ctx.cleanup.defer('podman: remove all containers', () => {
    podman(['rm', '--force', '--time', '0', '--all']);
  });

  const webId = await report.gate(
    `podman: run -d web on ${net.name} with -p ${PODMAN_HOST_PORT}:80 (ADD through bridge, host-local, portmap)`,
    () => podman(['run', '-d', '--name', 'web', '--network', net.name, '-p', `${PODMAN_HOST_PORT}:80`, '--rootfs', ctx.rootfs, '/bin/busybox', 'httpd', '-f', '-p', '80', '-h', '/var/www']).trim(),
    (id) => id.slice(0, 12),
  );
  const inspect = (): { ip: string; mac: string } => containerNetwork(cli, 'web', net.name);
  const web = await report.gate(
    `podman: web has an address in ${net.subnet}`,
    () => {
      const s = inspect();
      if (!ipv4InSubnet(s.ip, net.subnet)) throw new Error(`podman inspect shows address "${s.ip}"`);
      return s;
    },
    (s) => `${s.ip} ${s.mac}`,
  );
  const webRefs: ContainerRefs = { ids: [webId], ips: [web.ip], hostPorts: [PODMAN_HOST_PORT] };

  await report.check('podman: the node reaches web at its address', () => eventually(() => expectPage(env, { url: `http://${web.ip}/`, page }), 10_000, 200));
  await report.check('podman: the node reaches web through the host port on the node IP', () =>
    expectPage(env, { url: `http://${NODE_IP}:${PODMAN_HOST_PORT}/`, page }),
  );
  await report.check('podman: the node reaches web through the host port on 127.0.0.1', () =>
    expectPage(env, { url: `http://127.0.0.1:${PODMAN_HOST_PORT}/`, page }),
  );
  await checkWhileRunning(ctx, { prefix: 'podman', net, web: { id: webId, ip: web.ip, hostPort: PODMAN_HOST_PORT } });

  // A second container on the same network, removed by podman (--rm) when it exits.
  const cidFile = join(ctx.stateDir, 'podman', 'client.cid');
  const output = await report.gate(
    'podman: run --rm a second container on the network',
    () =>
      parseClientOutput(
        podman([
          'run', '--rm', '--name', 'client', '--cidfile', cidFile, '--network', net.name, '--rootfs', ctx.rootfs, '/bin/sh', '-c',
          clientScript([
            { label: 'direct', host: web.ip, port: 80 },
            { label: 'hairpin', host: net.gateway, port: PODMAN_HOST_PORT },
          ]),
        ]),
      ),
  );
  await report.check('podman: the second container reaches web at its address', () => expectProbe(output, { label: 'direct', page }));
  await report.check(`podman: the second container reaches web through ${net.gateway}:${PODMAN_HOST_PORT} (hairpin)`, () =>
    expectProbe(output, { label: 'hairpin', page }),
  );
  await report.check('podman: the second container left no rules, veth, reservation or cache entry', async () => {
    const clientId = readFileSync(cidFile, 'utf8').trim();
    const clientIp = selfAddress(output);
    const refs: ContainerRefs = { ids: [clientId], ips: [clientIp], hostPorts: [] };
    await eventually(() => {
      expectNone('rules', linesMentioning(readRuleset(env), refs));
      expectNone('bridge ports besides web', readBridgePorts(env, net.bridge).slice(1));
      expectNone('reservations', reservations(readIpamFiles(net.ipamDir), [clientId]).filter((f) => f.content.includes(clientId) || f.path.endsWith(`/${clientIp}`)).map((f) => f.path));
      expectNone('cache entries', readCacheEntries(env, net.name).filter((e) => e.includes(clientId)));
    }, 10_000, 200);
    return `${clientIp} released`;
  });

  // podman network reload: DEL, then ADD in the same netns with IP= and MAC= in CNI_ARGS.
  const portRulesBefore = linesMentioning(readRuleset(env), { ids: [], ips: [], hostPorts: [PODMAN_HOST_PORT] }).length;
  await report.gate('podman: network reload web', () => podman(['network', 'reload', 'web']));
  await report.check('podman: the reload keeps web\'s address and MAC', () => {
    const after = inspect();
    if (after.ip !== web.ip || after.mac !== web.mac) throw new Error(`was ${web.ip} ${web.mac}, now ${after.ip} ${after.mac}`);
    return `${after.ip} ${after.mac}`;
  });
  await report.check('podman: web is reachable at its address and host port after the reload', () =>
    eventually(() => {
      expectPage(env, { url: `http://${web.ip}/`, page });
      expectPage(env, { url: `http://${NODE_IP}:${PODMAN_HOST_PORT}/`, page });
      return 'both';
    }, 5_000, 200),
  );
  await report.check('podman: the reload leaves one reservation and one set of host-port rules', () => {
    const held = reservations(readIpamFiles(net.ipamDir), [webId]);
    if (held.length !== 1) throw new Error(`reservations: ${held.map((f) => f.path).join(' ')}`);
    const after = linesMentioning(readRuleset(env), { ids: [], ips: [], hostPorts: [PODMAN_HOST_PORT] }).length;
    if (after !== portRulesBefore) throw new Error(`${portRulesBefore} rule lines for the host port before, ${after} after`);
    if (readBridgePorts(env, net.bridge).length !== 1) throw new Error(`bridge ports: ${readBridgePorts(env, net.bridge).join(' ')}`);
    return `${after} rule lines, as before`;
  });

  await report.gate('podman: rm -f web', () => podman(['rm', '--force', '--time', '0', 'web']));
  await checkNoTraces(ctx, { prefix: 'podman', net, refs: webRefs });
  await report.check('podman: removal left no network namespaces in /run/netns', () => expectNone('netns', readRuntimeNetns(env)));
}
