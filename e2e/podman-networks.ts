import { accessSync, constants, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BridgeNetwork } from './conflist.ts';
import { ipv4InSubnet } from './conflist.ts';
import type { ScenarioContext } from './context.ts';
import { NODE_IP } from './node-env.ts';
import { expectGenerated, parseGeneratedConflist, type GeneratedNetwork } from './podman-conflist.ts';
import { containerNetwork, setUpPodman, type PodmanCli } from './podman-env.ts';
import { podmanNetwork } from './podman.ts';
import { clientScript, expectBlocked, expectPage, expectProbe, parseClientOutput, type ProbeTarget } from './probes.ts';
import { eventually } from './sh.ts';
import { checkNoTraces } from './trace-checks.ts';
import { expectNone, linesMentioning, readBridgePorts, readCacheEntries, readIpamFiles, readRuleset, readRuntimeNetns, reservations, type ContainerRefs } from './traces.ts';

// podman's own networks on our plugins: `podman network create` writes bridge → portmap →
// firewall → tuning (with `--opt isolate=true`, firewall's ingressPolicy "same-bridge"), and the
// e2e uses that conflist as podman wrote it. A default network: two containers reach each other,
// a published port answers on the node, removal leaves nothing. Two isolated networks: containers
// on one reach each other but not the other network, while a container on a network without
// isolation still reaches them (so the drop is the isolation's, not a missing route).

/** Host port of the web container on the default network. */
export const NETWORKS_HOST_PORT = 18090;

/** The plugins podman's generated chain needs beyond the hand-written conflists'. */
const CHAIN_EXTRAS = ['firewall', 'tuning'];

/** A network podman created, with what the trace checks need. */
interface CreatedNetwork extends GeneratedNetwork {
  /** As the trace checks take it: host-local's default dataDir, seen from outside. */
  readonly traces: BridgeNetwork;
}

/** A running container on one network. */
interface Running {
  readonly name: string;
  readonly id: string;
  readonly ip: string;
}

/** Runs the scenario of podman's generated networks; every check reports itself. */
export async function podmanNetworksScenario(ctx: ScenarioContext): Promise<void> {
  const { report, env } = ctx;
  const cli = await report.step('podman-net: containers.conf and storage.conf', () => setUpPodman(ctx, podmanNetwork(ctx)));
  await report.gate(`podman-net: the plugin directory has ${CHAIN_EXTRAS.join(' and ')}`, () => {
    for (const name of CHAIN_EXTRAS) accessSync(env.view(`/opt/cni/bin/${name}`), constants.X_OK);
    return CHAIN_EXTRAS.join(', ');
  });
  const created: string[] = [];
  ctx.cleanup.defer('podman-net: remove all containers and the created networks', () => {
    cli.must(['rm', '--force', '--time', '0', '--all']);
    if (created.length) cli.must(['network', 'rm', '--force', ...created]);
  });
  const create = (name: string, opts: readonly string[], policy: '' | 'same-bridge'): Promise<CreatedNetwork> =>
    createNetwork(ctx, cli, { name, opts, policy }, created);

  const netA = await create('netA', [], '');
  await defaultNetworkChecks(ctx, cli, netA);
  const isoA = await create('isoA', ['--opt', 'isolate=true'], 'same-bridge');
  const isoB = await create('isoB', ['--opt', 'isolate=true'], 'same-bridge');
  await isolationChecks(ctx, cli, { netA, isoA, isoB });
}

/** `podman network create`, then prints and checks the conflist podman wrote. */
async function createNetwork(
  ctx: ScenarioContext,
  cli: PodmanCli,
  { name, opts, policy }: { name: string; opts: readonly string[]; policy: '' | 'same-bridge' },
  created: string[],
): Promise<CreatedNetwork> {
  const file = join(cli.paths.netDir, `${name}.conflist`);
  const text = await ctx.report.gate(`podman-net: network create ${[...opts, name].join(' ')}`, () => {
    cli.must(['network', 'create', ...opts, name]);
    created.push(name);
    return readFileSync(file, 'utf8');
  });
  ctx.say(`${name}.conflist as podman wrote it: ${JSON.stringify(JSON.parse(text))}`);
  const net = await ctx.report.gate(`podman-net: ${name} is podman's chain${policy ? ` with ingressPolicy ${policy}` : ''}`, () => {
    const parsed = parseGeneratedConflist(text);
    return { parsed, detail: expectGenerated(parsed, policy) };
  }, (r) => r.detail);
  const traces: BridgeNetwork = {
    name,
    bridge: net.parsed.bridge,
    subnet: net.parsed.subnet,
    gateway: net.parsed.gateway,
    ipamDir: ctx.env.view(`/var/lib/cni/networks/${name}`),
    cniVersion: net.parsed.cniVersion,
    ipMasq: net.parsed.ipMasq,
  };
  return { ...net.parsed, traces };
}

/** `podman run -d` a busybox httpd on `net`; returns its ID and address. */
async function runWeb(ctx: ScenarioContext, cli: PodmanCli, name: string, net: CreatedNetwork, publish?: number): Promise<Running> {
  return ctx.report.gate(
    `podman-net: run -d ${name} on ${net.name}${publish ? ` with -p ${publish}:80` : ''}`,
    () => {
      const port = publish ? ['-p', `${publish}:80`] : [];
      const id = cli.must(['run', '-d', '--name', name, '--network', net.name, ...port, '--rootfs', ctx.rootfs, '/bin/busybox', 'httpd', '-f', '-p', '80', '-h', '/var/www']).trim();
      const { ip } = containerNetwork(cli, name, net.name);
      if (!ipv4InSubnet(ip, net.subnet)) throw new Error(`podman inspect shows address "${ip}", not in ${net.subnet}`);
      return { name, id, ip };
    },
    (r) => `${r.ip} ${r.id.slice(0, 12)}`,
  );
}

/** Runs the probe script inside a running container (podman exec). */
function probeFrom(cli: PodmanCli, container: string, targets: readonly ProbeTarget[]): Map<string, string> {
  return parseClientOutput(cli.must(['exec', container, '/bin/sh', '-c', clientScript(targets)]));
}

/** Files under a private state directory (tuning's and portmap's) that name one of `ids`. */
function stateFilesNaming(dir: string, ids: readonly string[]): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...stateFilesNaming(path, ids));
    else if (ids.some((id) => name.includes(id) || readFileSync(path, 'utf8').includes(id))) out.push(path);
  }
  return out;
}

/** Checks that removing `gone` left nothing: the shared trace checks plus plugin state files and netns. */
async function checkRemoved(ctx: ScenarioContext, label: string, nets: readonly CreatedNetwork[], gone: readonly Running[], hostPorts: number[] = []): Promise<void> {
  const refs: ContainerRefs = { ids: gone.map((c) => c.id), ips: gone.map((c) => c.ip), hostPorts };
  for (const net of nets) await checkNoTraces(ctx, { prefix: `podman-net: ${label} on ${net.name}`, net: net.traces, refs });
  await ctx.report.check(`podman-net: ${label} left no tuning or portmap state and no network namespaces`, () => {
    expectNone('state files', [...stateFilesNaming(ctx.env.view('/run/cni'), refs.ids), ...stateFilesNaming(ctx.env.view('/run/cni-ts'), refs.ids)]);
    expectNone('netns', readRuntimeNetns(ctx.env));
    return 'none';
  });
}

/** netA: two containers, a published port, then removal. */
async function defaultNetworkChecks(ctx: ScenarioContext, cli: PodmanCli, net: CreatedNetwork): Promise<void> {
  const { report, env, page } = ctx;
  const port = NETWORKS_HOST_PORT;
  const web1 = await runWeb(ctx, cli, 'netA-web1', net, port);
  const web2 = await runWeb(ctx, cli, 'netA-web2', net);

  await report.check(`podman-net: the node reaches netA-web1 at its address`, () => eventually(() => expectPage(env, { url: `http://${web1.ip}/`, page }), 10_000, 200));
  await report.check(`podman-net: the node reaches netA-web1 through -p ${port} on the node IP`, () => expectPage(env, { url: `http://${NODE_IP}:${port}/`, page }));
  await report.check(`podman-net: the node reaches netA-web1 through -p ${port} on 127.0.0.1`, () => expectPage(env, { url: `http://127.0.0.1:${port}/`, page }));
  const from2 = await report.gate('podman-net: exec probes in netA-web2', () =>
    probeFrom(cli, web2.name, [
      { label: 'web1', host: web1.ip, port: 80 },
      { label: 'published', host: net.gateway, port },
    ]),
  );
  await report.check('podman-net: netA-web2 reaches netA-web1 at its address', () => expectProbe(from2, { label: 'web1', page }));
  await report.check(`podman-net: netA-web2 reaches netA-web1 through ${net.gateway}:${port} (hairpin)`, () => expectProbe(from2, { label: 'published', page }));
  await report.check('podman-net: netA-web1 reaches netA-web2 at its address', () => expectProbe(probeFrom(cli, web1.name, [{ label: 'web2', host: web2.ip, port: 80 }]), { label: 'web2', page }));

  await report.check('podman-net: while running, netA has 2 reservations, 2 cache entries, 2 bridge ports and firewall rules for both', () => {
    const held = reservations(readIpamFiles(net.traces.ipamDir), [web1.id, web2.id]).map((f) => f.path);
    if (held.length !== 2) throw new Error(`host-local reservations: ${held.join(' ') || 'none'}`);
    const cached = readCacheEntries(env, net.name).filter((e) => e.includes(web1.id) || e.includes(web2.id));
    if (cached.length !== 2) throw new Error(`libcni cache entries: ${cached.join(' ') || 'none'}`);
    const ports = readBridgePorts(env, net.bridge);
    if (ports.length !== 2) throw new Error(`bridge ports: ${ports.join(' ') || 'none'}`);
    const rules = readRuleset(env);
    for (const c of [web1, web2]) if (forwardRules(rules, c.ip).length === 0) throw new Error(`no CNI-FORWARD rule for ${c.ip}`);
    if (linesMentioning(rules, { ids: [], ips: [], hostPorts: [port] }).length === 0) throw new Error(`no rule for host port ${port}`);
    // Go's portmap and tuning keep no files for a config without settings; ours may: counted, so the removal check below means something
    const stateFiles = stateFilesNaming(env.view('/run/cni'), [web1.id, web2.id]).length + stateFilesNaming(env.view('/run/cni-ts'), [web1.id, web2.id]).length;
    return `${ports.join(', ')}; ${forwardRules(rules, web1.ip).length} forward rule lines for ${web1.ip}; ${stateFiles} tuning/portmap state files`;
  });

  await report.gate('podman-net: rm -f netA-web1 netA-web2', () => cli.must(['rm', '--force', '--time', '0', web1.name, web2.name]));
  await checkRemoved(ctx, 'rm of netA\'s containers', [net], [web1, web2], [port]);
}

/**
 * The firewall plugin's lines for `ip` (pure): iptables rules appended to CNI-FORWARD, or nft
 * rules inside a `chain CNI-FORWARD { ... }` block.
 */
export function forwardRules(ruleset: string, ip: string): string[] {
  const out: string[] = [];
  let inNftForward = false;
  for (const line of ruleset.split('\n')) {
    if (/^\s*(table|chain) /.test(line)) inNftForward = /^\s*chain CNI-FORWARD\b/.test(line);
    const mentions = linesMentioning(line, { ids: [], ips: [ip], hostPorts: [] }).length > 0;
    if (mentions && (/^-A CNI-FORWARD\b/.test(line) || inNftForward)) out.push(line);
  }
  return out;
}

/** isoA and isoB: isolated from each other, open inside, reachable from a network without isolation. */
async function isolationChecks(ctx: ScenarioContext, cli: PodmanCli, { netA, isoA, isoB }: Record<'netA' | 'isoA' | 'isoB', CreatedNetwork>): Promise<void> {
  const { report, env, page } = ctx;
  const a1 = await runWeb(ctx, cli, 'isoA-web1', isoA);
  const a2 = await runWeb(ctx, cli, 'isoA-web2', isoA);
  const b1 = await runWeb(ctx, cli, 'isoB-web1', isoB);

  await report.check('podman-net: the isolation rules name both isolated bridges', () => {
    const lines = readRuleset(env).split('\n').filter((l) => l.includes('CNI-ISOLATION-STAGE'));
    for (const br of [isoA.bridge, isoB.bridge]) if (!lines.some((l) => l.includes(br))) throw new Error(`no CNI-ISOLATION-STAGE line names ${br}`);
    return `${lines.length} lines`;
  });
  await report.check('podman-net: the node reaches isoA-web1 and isoB-web1 (isolation is between networks only)', () =>
    eventually(() => {
      expectPage(env, { url: `http://${a1.ip}/`, page });
      expectPage(env, { url: `http://${b1.ip}/`, page });
      return 'both';
    }, 10_000, 200),
  );
  await report.check('podman-net: isoA-web2 reaches isoA-web1 (same isolated network)', () => expectProbe(probeFrom(cli, a2.name, [{ label: 'a1', host: a1.ip, port: 80 }]), { label: 'a1', page }));
  await report.check('podman-net: isoB-web1 cannot reach isoA-web1', () => expectBlocked(probeFrom(cli, b1.name, [{ label: 'a1', host: a1.ip, port: 80, waitSeconds: 2 }]), { label: 'a1', page }));
  await report.check('podman-net: isoA-web1 cannot reach isoB-web1', () => expectBlocked(probeFrom(cli, a1.name, [{ label: 'b1', host: b1.ip, port: 80, waitSeconds: 2 }]), { label: 'b1', page }));
  await report.check('podman-net: a container on netA (no isolation) reaches isoA-web1 and isoB-web1 (the drops above are the isolation\'s)', () => {
    const out = parseClientOutput(
      cli.must(['run', '--rm', '--network', netA.name, '--rootfs', ctx.rootfs, '/bin/sh', '-c', clientScript([
        { label: 'a1', host: a1.ip, port: 80 },
        { label: 'b1', host: b1.ip, port: 80 },
      ])]),
    );
    return `${expectProbe(out, { label: 'a1', page })}, ${expectProbe(out, { label: 'b1', page })}`;
  });

  await report.gate('podman-net: rm -f the isolated networks\' containers', () => cli.must(['rm', '--force', '--time', '0', a1.name, a2.name, b1.name]));
  await checkRemoved(ctx, 'rm of isoA\'s and isoB\'s containers', [isoA, isoB], [a1, a2, b1]);
  await report.check('podman-net: nothing is left on netA after the --rm client', () =>
    eventually(() => {
      expectNone('bridge ports', readBridgePorts(env, netA.bridge));
      expectNone('reservations', reservations(readIpamFiles(netA.traces.ipamDir)).map((f) => f.path));
      expectNone('cache entries', readCacheEntries(env, netA.name));
      return 'none';
    }, 10_000, 200),
  );
}
