import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bridgeConflist, ipv4InSubnet, type BridgeNetwork, type NetworkSettings } from './conflist.ts';
import { runtimeEnv, type ScenarioContext } from './context.ts';
import { NODE_IP } from './node-env.ts';
import { checkNoTraces, checkWhileRunning } from './trace-checks.ts';
import { clientScript, expectPage, expectProbe, parseClientOutput, selfAddress } from './probes.ts';
import { eventually, GiveUp, must, run, sleep, startBackground, tail, type Background } from './sh.ts';
import { expectNone, linesMentioning, readBridgePorts, readCacheEntries, readIpamFiles, readRuleset, reservations, type ContainerRefs } from './traces.ts';

// containerd 1.6 through `ctr run --cni` on our plugins (real-clients.md section 11). ctr runs
// CNI itself, reads only the first file of /etc/cni/net.d and looks for plugins in /opt/cni/bin
// and /usr/lib/cni: the private mount namespace shows it our conflist and our plugins there.
// ctr sends no runtimeConfig, so the web container's host port comes from a static
// runtimeConfig in portmap's config, which libcni passes through; the second container runs
// with the same network minus that mapping.

/** ctr's namespace; CNI_CONTAINERID is `<namespace>-<container id>`. */
export const CTR_NAMESPACE = 'cnie2e';

/** Host port of the containerd web container. */
export const CTR_HOST_PORT = 18081;

/** The containerd network of the e2e. */
export function ctrNetwork({ stateDir, cniVersion, ipMasq }: NetworkSettings, withHostPort: boolean): BridgeNetwork {
  return {
    name: 'cnie2e-ctr',
    bridge: 'cnie2e-ctr0',
    subnet: '10.124.0.0/24',
    gateway: '10.124.0.1',
    ipamDir: join(stateDir, 'containerd', 'ipam'),
    cniVersion,
    ipMasq,
    ...(withHostPort ? { staticPortMappings: [{ hostPort: CTR_HOST_PORT, containerPort: 80, protocol: 'tcp' as const }] } : {}),
  };
}

/** containerd's config (pure): everything under `dir`, no CRI, no debug or metrics listener. */
export function containerdConfig(dir: string): string {
  return `version = 2
root = ${JSON.stringify(join(dir, 'root'))}
state = ${JSON.stringify(join(dir, 'state'))}
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = ${JSON.stringify(join(dir, 'containerd.sock'))}

[ttrpc]
  address = ${JSON.stringify(join(dir, 'containerd.sock.ttrpc'))}

[debug]
  address = ""

[metrics]
  address = ""
`;
}

/** The first IPv4 address in a libcni cache entry's result (pure). */
export function addressFromCache(text: string): string {
  const entry = JSON.parse(text) as { result?: { ips?: { address?: string }[] } };
  for (const ip of entry.result?.ips ?? []) {
    const addr = ip.address?.split('/')[0] ?? '';
    if (/^\d+\.\d+\.\d+\.\d+$/.test(addr)) return addr;
  }
  throw new Error('no IPv4 address in the cached result');
}

/** Runs the containerd scenario; every check reports itself. */
export async function containerdScenario(ctx: ScenarioContext): Promise<void> {
  const { report, env, page } = ctx;
  const dir = join(ctx.stateDir, 'containerd');
  const netDir = ctx.ctrNetDir;
  const conflistPath = join(netDir, '10-cnie2e-ctr.conflist');
  const withPort = ctrNetwork(ctx, true);
  const procEnv = runtimeEnv({ TMPDIR: join(dir, 'tmp') });
  const socket = join(dir, 'containerd.sock');
  const fifoDir = join(dir, 'fifo');
  const ctrArgv = (args: readonly string[]): string[] => env.inside(['ctr', '--address', socket, '--namespace', CTR_NAMESPACE, ...args]);
  const ctr = (args: readonly string[], timeoutMs = 60_000): string => must(ctrArgv(args), { env: procEnv, timeoutMs });
  const writeConflist = (net: BridgeNetwork): void => writeFileSync(conflistPath, `${JSON.stringify(bridgeConflist(net), null, 2)}\n`);

  await report.step('containerd: write config.toml and the conflist', () => {
    if (!existsSync('/etc/cni/net.d')) throw new Error('/etc/cni/net.d does not exist on the host, so ctr cannot be shown a private one (the podman package creates it)');
    for (const d of [join(dir, 'tmp'), fifoDir, withPort.ipamDir, netDir]) mkdirSync(d, { recursive: true });
    writeFileSync(join(dir, 'config.toml'), containerdConfig(dir));
    writeConflist(withPort);
  });

  await report.gate('containerd: start a private containerd daemon', async () => {
    const d = startBackground(env.inside(['containerd', '--config', join(dir, 'config.toml')]), join(dir, 'containerd.log'), procEnv);
    ctx.cleanup.defer(`containerd: stop the daemon (pid ${d.pid}) after removing its tasks`, () => stopContainerd(d, ctrArgv, procEnv));
    await eventually(() => {
      if (d.hasExited()) throw new GiveUp(`containerd exited: ${tail(readFileSync(d.log, 'utf8'))}`);
      ctr(['version'], 5_000);
    }, 20_000, 200);
    return d;
  }, (d) => `pid ${d.pid}`);

  await report.gate('containerd: ctr images import of the local OCI archive', () => {
    ctr(['images', 'import', ctx.ociArchive], 120_000);
    if (!ctr(['images', 'ls', '-q']).split('\n').includes(ctx.imageRef)) throw new Error(`${ctx.imageRef} not listed after the import`);
  }, () => ctx.imageRef);

  // The web container: `ctr run --cni --rm` in the foreground (so ctr sends DEL when it ends),
  // left running in the background.
  const webId = `${CTR_NAMESPACE}-web`;
  const webRun = startBackground(
    ctrArgv(['run', '--cni', '--rm', '--fifo-dir', fifoDir, ctx.imageRef, 'web', '/bin/busybox', 'httpd', '-f', '-p', '80', '-h', '/var/www']),
    join(dir, 'ctr-run-web.log'),
    procEnv,
  );
  ctx.cleanup.defer('containerd: end the web task and its ctr run', () => endCtrRun(webRun, 'web', ctrArgv, procEnv));
  const webIp = await report.gate(
    `containerd: ctr run --cni web on ${withPort.name} (ADD through bridge, host-local, portmap)`,
    () =>
      eventually(() => {
        if (webRun.hasExited()) throw new GiveUp(`ctr run exited: ${tail(readFileSync(webRun.log, 'utf8'))}`);
        const ip = addressFromCache(readFileSync(env.view(`/var/lib/cni/results/${withPort.name}-${webId}-eth0`), 'utf8'));
        if (!ipv4InSubnet(ip, withPort.subnet)) throw new Error(`address ${ip} outside ${withPort.subnet}`);
        return ip;
      }, 20_000, 100),
    (ip) => ip,
  );
  const webRefs: ContainerRefs = { ids: [webId], ips: [webIp], hostPorts: [CTR_HOST_PORT] };

  await report.check('containerd: the node reaches web at its address', () => eventually(() => expectPage(env, { url: `http://${webIp}/`, page }), 10_000, 200));
  await report.check('containerd: the node reaches web through the host port on the node IP', () =>
    expectPage(env, { url: `http://${NODE_IP}:${CTR_HOST_PORT}/`, page }),
  );
  await report.check('containerd: the node reaches web through the host port on 127.0.0.1', () =>
    expectPage(env, { url: `http://127.0.0.1:${CTR_HOST_PORT}/`, page }),
  );
  await checkWhileRunning(ctx, { prefix: 'containerd', net: withPort, web: { id: webId, ip: webIp, hostPort: CTR_HOST_PORT } });

  // The second container: same network without the static mapping, in the foreground.
  writeConflist(ctrNetwork(ctx, false));
  const clientId = `${CTR_NAMESPACE}-client`;
  const output = await report.gate('containerd: ctr run --cni --rm a second container on the network', () =>
    parseClientOutput(
      ctr([
        'run', '--cni', '--rm', '--fifo-dir', fifoDir, ctx.imageRef, 'client', '/bin/sh', '-c',
        clientScript([
          { label: 'direct', host: webIp, port: 80 },
          { label: 'hairpin', host: withPort.gateway, port: CTR_HOST_PORT },
        ]),
      ]),
    ),
  );
  await report.check('containerd: the second container reaches web at its address', () => expectProbe(output, { label: 'direct', page }));
  await report.check(`containerd: the second container reaches web through ${withPort.gateway}:${CTR_HOST_PORT} (hairpin)`, () =>
    expectProbe(output, { label: 'hairpin', page }),
  );
  await report.check('containerd: the second container left no rules, veth, reservation or cache entry', () => {
    const clientIp = selfAddress(output);
    const refs: ContainerRefs = { ids: [clientId], ips: [clientIp], hostPorts: [] };
    expectNone('rules', linesMentioning(readRuleset(env), refs));
    expectNone('bridge ports besides web', readBridgePorts(env, withPort.bridge).slice(1));
    expectNone('reservations', reservations(readIpamFiles(withPort.ipamDir), [clientId]).filter((f) => f.content.includes(clientId) || f.path.endsWith(`/${clientIp}`)).map((f) => f.path));
    expectNone('cache entries', readCacheEntries(env, withPort.name).filter((e) => e.includes(clientId)));
    return `${clientIp} released`;
  });

  await report.gate('containerd: kill the web task; ctr run sends DEL and removes the container', async () => {
    ctr(['task', 'kill', '--signal', 'SIGKILL', 'web']);
    const code = await webRun.waitExit(20_000);
    if (code === undefined) throw new Error('ctr run did not end within 20 s');
    const left = ctr(['containers', 'ls', '-q']).split('\n').filter(Boolean);
    if (left.includes('web')) throw new Error('the web container is still listed');
    return code;
  }, (code) => `ctr run exited ${code}`);
  await checkNoTraces(ctx, { prefix: 'containerd', net: withPort, refs: webRefs });
  report.note('containerd: ctr has no network reload, so that podman check has no ctr counterpart');
}

async function endCtrRun(
  proc: Background,
  id: string,
  ctrArgv: (args: readonly string[]) => string[],
  procEnv: NodeJS.ProcessEnv,
): Promise<void> {
  if (proc.hasExited()) return;
  run(ctrArgv(['task', 'kill', '--signal', 'SIGKILL', id]), { env: procEnv, timeoutMs: 10_000 });
  await proc.waitExit(15_000);
  if (!proc.hasExited()) {
    process.kill(proc.pid, 'SIGKILL');
    await proc.waitExit(5_000);
  }
}

async function stopContainerd(
  daemon: Background,
  ctrArgv: (args: readonly string[]) => string[],
  procEnv: NodeJS.ProcessEnv,
): Promise<void> {
  if (daemon.hasExited()) return;
  const q = (args: readonly string[]): string[] =>
    run(ctrArgv(args), { env: procEnv, timeoutMs: 15_000 }).stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  for (const line of q(['tasks', 'ls']).slice(1)) {
    const id = line.split(/\s+/)[0] as string;
    run(ctrArgv(['tasks', 'kill', '--signal', 'SIGKILL', id]), { env: procEnv, timeoutMs: 10_000 });
    await sleep(200);
    run(ctrArgv(['tasks', 'delete', '--force', id]), { env: procEnv, timeoutMs: 10_000 });
  }
  for (const id of q(['containers', 'ls', '-q'])) run(ctrArgv(['containers', 'delete', id]), { env: procEnv, timeoutMs: 10_000 });
  process.kill(daemon.pid, 'SIGTERM');
  await daemon.waitExit(5_000);
  if (!daemon.hasExited()) {
    process.kill(daemon.pid, 'SIGKILL');
    await daemon.waitExit(5_000);
  }
}
