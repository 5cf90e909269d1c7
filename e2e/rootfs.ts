import { copyFileSync, chmodSync, existsSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { must } from './sh.ts';

// A busybox-static root filesystem for the containers: no registry is reachable, so both
// runtimes run this (podman with --rootfs, containerd as a locally imported image).
// `busybox --install -s` would make absolute links to the host's busybox, so the applet links
// are made here, relative (real-clients.md section 9).

/** Where the busybox binary is, merged /usr or not. */
export function findBusybox(): string {
  for (const p of ['/bin/busybox', '/usr/bin/busybox']) if (existsSync(p)) return realpathSync(p);
  throw new Error('busybox not found (Debian package busybox-static)');
}

/**
 * Builds the root filesystem in `dir`: /bin/busybox with relative applet links and
 * /var/www/index.html holding `page`, the token the HTTP checks expect.
 * @throws CommandError when busybox cannot list its applets.
 */
export function buildRootfs(dir: string, page: string): void {
  const busybox = findBusybox();
  for (const d of ['bin', 'dev', 'etc', 'proc', 'sys', 'tmp', 'var/www']) mkdirSync(join(dir, d), { recursive: true });
  copyFileSync(busybox, join(dir, 'bin', 'busybox'));
  chmodSync(join(dir, 'bin', 'busybox'), 0o755);
  const applets = must([busybox, '--list']).split('\n').map((a) => a.trim()).filter((a) => a && a !== 'busybox');
  for (const applet of applets) symlinkSync('busybox', join(dir, 'bin', applet));
  writeFileSync(join(dir, 'etc', 'passwd'), 'root:x:0:0:root:/:/bin/sh\n');
  writeFileSync(join(dir, 'etc', 'group'), 'root:x:0:\n');
  writeFileSync(join(dir, 'var', 'www', 'index.html'), `${page}\n`);
}
