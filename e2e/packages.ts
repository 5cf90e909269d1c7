import { existsSync } from 'node:fs';
import { run } from './sh.ts';

// The Debian packages the e2e drives (real-clients.md sections 10 and 11), each with a file
// that proves it is installed. The e2e installs the missing ones itself, saying so.

/** A Debian package and the file that shows it is installed. */
export interface DebianPackage {
  readonly pkg: string;
  /** Any of these files existing counts as installed (merged /usr or not). */
  readonly files: readonly string[];
  readonly why: string;
}

/** Everything `npm run e2e` needs from Debian. */
export const E2E_PACKAGES: readonly DebianPackage[] = [
  { pkg: 'podman', files: ['/usr/bin/podman'], why: 'runtime under test (CNI backend)' },
  { pkg: 'containerd', files: ['/usr/bin/containerd', '/usr/bin/ctr'], why: 'runtime under test (ctr run --cni)' },
  { pkg: 'runc', files: ['/usr/sbin/runc', '/usr/bin/runc'], why: 'OCI runtime (crun refuses hybrid cgroups)' },
  { pkg: 'crun', files: ['/usr/bin/crun'], why: "podman's preferred OCI runtime, installed as in the recipe" },
  { pkg: 'catatonit', files: ['/usr/bin/catatonit', '/usr/libexec/podman/catatonit'], why: "podman's init" },
  { pkg: 'busybox-static', files: ['/bin/busybox', '/usr/bin/busybox'], why: 'the containers\' root filesystem' },
  { pkg: 'iproute2', files: ['/usr/sbin/ip', '/bin/ip', '/sbin/ip'], why: 'the node namespace' },
  { pkg: 'iptables', files: ['/usr/sbin/iptables-save'], why: 'reading the rules left behind' },
  { pkg: 'nftables', files: ['/usr/sbin/nft'], why: 'reading the rules left behind' },
  { pkg: 'curl', files: ['/usr/bin/curl'], why: 'HTTP checks from the node namespace' },
  { pkg: 'tar', files: ['/bin/tar', '/usr/bin/tar'], why: 'the OCI image archive' },
];

/** The packages whose proof file is absent. */
export function missingPackages(list: readonly DebianPackage[] = E2E_PACKAGES): DebianPackage[] {
  return list.filter((p) => !p.files.some((f) => existsSync(f)));
}

/**
 * Installs the missing packages with apt-get (root), announcing each one; runs `apt-get update`
 * once and retries when the first install fails (no or stale package lists).
 * @throws Error when apt-get fails twice or a package still lacks its file afterwards.
 */
export function ensurePackages(say: (line: string) => void, list: readonly DebianPackage[] = E2E_PACKAGES): string[] {
  const missing = missingPackages(list);
  if (missing.length === 0) return [];
  for (const p of missing) say(`missing Debian package ${p.pkg} (${p.why})`);
  const names = missing.map((p) => p.pkg);
  say(`installing with apt-get: ${names.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = [
    'apt-get', 'install', '-y', '-qq', '--no-install-recommends',
    '-o', 'DPkg::Lock::Timeout=300', ...names,
  ];
  let r = run(install, { env, timeoutMs: 600_000 });
  if (r.code !== 0) {
    say('apt-get install failed; running apt-get update and retrying');
    run(['apt-get', 'update', '-qq', '-o', 'DPkg::Lock::Timeout=300'], { env, timeoutMs: 600_000 });
    r = run(install, { env, timeoutMs: 600_000 });
  }
  if (r.code !== 0) throw new Error(`apt-get install ${names.join(' ')} failed: ${r.stderr.trim().slice(-800)}`);
  const still = missingPackages(missing);
  if (still.length) throw new Error(`installed but still missing: ${still.map((p) => p.files[0]).join(', ')}`);
  return names;
}
