import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, USAGE, type E2eOptions, type Runtime } from './args.ts';
import { CleanupStack } from './cleanup.ts';
import { existingRuntimeCgroups, removeCgroupTree, runtimeCgroupNames } from './cgroups.ts';
import { containerdScenario, CTR_NAMESPACE } from './containerd.ts';
import type { ScenarioContext } from './context.ts';
import { diffSnapshots, hostSnapshot, type HostSnapshot } from './host-state.ts';
import { createNodeEnv } from './node-env.ts';
import { buildOciArchive } from './oci-image.ts';
import { E2E_PACKAGES, ensurePackages } from './packages.ts';
import { podmanScenario } from './podman.ts';
import { podmanNetworksScenario } from './podman-networks.ts';
import { messageOf, Report, StepFailed, type WriteLine } from './report.ts';
import { buildRootfs } from './rootfs.ts';
import { runClusterE2e } from './cluster/cluster.ts';
import { expectNone } from './traces.ts';

// `npm run e2e`: real runtimes from Debian's packages run containers on a plugin directory
// (ours by default) inside a throwaway node namespace. One PASS/FAIL line per check, a timing
// table, then `N passed, N failed`. Cleanup always runs: per scenario as soon as it ends, then
// the node itself, also on SIGINT/SIGTERM.

/** The plugins a conflist of ours needs. */
export const REQUIRED_PLUGINS: readonly string[] = ['bridge', 'host-local', 'portmap'];

/** A runtime's scenarios, in order; each gets its own cleanup stack, and one failing does not stop the next. */
const SCENARIOS: Record<Runtime, readonly { readonly label: string; readonly run: (ctx: ScenarioContext) => Promise<void> }[]> = {
  podman: [
    { label: 'podman', run: podmanScenario },
    { label: 'podman-net', run: podmanNetworksScenario },
  ],
  containerd: [{ label: 'containerd', run: containerdScenario }],
};

/** Throws naming the plugins (of `names`) that are missing or not executable in `dir`. */
export function checkPluginDir(dir: string, names: readonly string[] = REQUIRED_PLUGINS): string {
  const bad = names.filter((name) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
  if (bad.length) throw new Error(`missing or not executable: ${bad.join(', ')}`);
  return names.join(', ');
}

/** Everything a scenario shares except the report and its own cleanup stack. */
type SharedContext = Omit<ScenarioContext, 'report' | 'cleanup'>;

/** Makes the state directory, the root filesystem, its image archive and the node. */
async function setUpNode(options: E2eOptions, report: Report, cleanup: CleanupStack, say: (line: string) => void): Promise<SharedContext> {
  const stateDir = mkdtempSync(join(tmpdir(), 'cnits-e2e-'));
  cleanup.defer(`remove ${stateDir}`, () => {
    if (options.keepState) say(`kept ${stateDir}`);
    else rmSync(stateDir, { recursive: true, force: true });
  });
  const page = `cnits-e2e-${randomBytes(6).toString('hex')}`;
  const imageRef = 'localhost/cnits-e2e-busybox:1';
  const rootfs = join(stateDir, 'rootfs');
  const ociArchive = join(stateDir, 'image.oci.tar');
  const ctrNetDir = join(stateDir, 'ctr-net.d');
  await report.step('setup: busybox root filesystem and OCI image archive', () => {
    buildRootfs(rootfs, page);
    buildOciArchive({ rootfs, work: join(stateDir, 'oci'), archive: ociArchive, ref: imageRef, cmd: ['/bin/sh'] });
  });
  const env = await report.step('setup: node network namespace and private mount namespace', () =>
    createNodeEnv({ stateDir, pluginDir: options.plugins, ctrNetDir, say }, cleanup),
  );
  say(`node namespace ${env.name}, mount namespace held by pid ${env.holderPid}, state in ${stateDir}`);
  return { env, stateDir, ctrNetDir, rootfs, ociArchive, imageRef, page, cniVersion: options.cniVersion, ipMasq: options.ipMasq, say };
}

/** Runs the e2e with argv (without node and the script) and returns the exit code. */
export async function runE2e(argv: readonly string[], write: WriteLine = (line) => process.stdout.write(`${line}\n`)): Promise<number> {
  let options: E2eOptions;
  try {
    options = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  if (options.help) {
    write(USAGE);
    return 0;
  }
  if (options.cluster) return runClusterE2e(options, write, checkPluginDir);
  const started = performance.now();
  const report = new Report(write);
  const say = (line: string): void => write(`==> ${line}`);
  if (process.getuid?.() !== 0) {
    report.fail('e2e: needs root', 'network namespaces, mounts and the runtimes need root');
    report.finish(performance.now() - started);
    return 1;
  }

  const nodeCleanup = new CleanupStack();
  let scenarioCleanup: CleanupStack | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    write(`==> ${signal}: cleaning up`);
    void (async () => {
      const failures = [...((await scenarioCleanup?.runAll()) ?? []), ...(await nodeCleanup.runAll())];
      for (const f of failures) report.fail(`cleanup: ${f.label}`, messageOf(f.error));
      report.fail('e2e: interrupted', `${signal} before the run finished`);
      report.finish(performance.now() - started);
      process.exit(130);
    })();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let before: HostSnapshot | undefined;
  const cgroupNames = runtimeCgroupNames(CTR_NAMESPACE);
  try {
    say(`plugins under test: ${options.plugins}; runtimes: ${options.runtimes.join(', ')}; cniVersion ${options.cniVersion}; ipMasq ${options.ipMasq}`);
    await report.step('setup: Debian packages', () => {
      const list = options.plugins === '/usr/lib/cni'
        ? [...E2E_PACKAGES, { pkg: 'containernetworking-plugins', files: ['/usr/lib/cni/bridge'], why: 'the plugins under test' }]
        : E2E_PACKAGES;
      ensurePackages(say, list);
    });
    await report.gate(`plugins: ${options.plugins} has ${REQUIRED_PLUGINS.join(', ')}`, () => checkPluginDir(options.plugins));
    before = hostSnapshot(cgroupNames);
    const cgroupsBefore = new Set(existingRuntimeCgroups(cgroupNames));
    nodeCleanup.defer('remove the cgroup directories the runtimes left', () => {
      for (const dir of existingRuntimeCgroups(cgroupNames)) if (!cgroupsBefore.has(dir)) removeCgroupTree(dir);
    });

    const shared = await setUpNode(options, report, nodeCleanup, say);

    for (const scenario of options.runtimes.flatMap((runtime) => SCENARIOS[runtime])) {
      const cleanup = new CleanupStack();
      scenarioCleanup = cleanup;
      const ctx: ScenarioContext = { ...shared, report, cleanup };
      try {
        await scenario.run(ctx);
      } catch (error) {
        if (!(error instanceof StepFailed)) report.fail(`${scenario.label}: unexpected error`, messageOf(error));
      } finally {
        await report.step(`${scenario.label}: cleanup`, async () => {
          for (const f of await cleanup.runAll()) report.fail(`cleanup: ${f.label}`, messageOf(f.error));
        });
        scenarioCleanup = undefined;
      }
    }
  } catch (error) {
    if (!(error instanceof StepFailed)) report.fail('e2e: set-up', messageOf(error));
  } finally {
    await report.step('cleanup: node namespaces, mounts and state', async () => {
      for (const f of await nodeCleanup.runAll()) report.fail(`cleanup: ${f.label}`, messageOf(f.error));
    });
    if (before) {
      const snapshot = before;
      await report.check('host: root network namespace and runtime host paths unchanged', () => {
        expectNone('changed', diffSnapshots(snapshot, hostSnapshot(cgroupNames)));
        return 'links, addresses, routes, rules, ip_forward, /var/lib/cni, /etc/cni/net.d, /opt, /run/containerd, /run/runc, /run/cni, /run/cni-ts, cgroups';
      });
    }
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    report.finish(performance.now() - started);
  }
  return report.failed > 0 ? 1 : 0;
}
