import type { CleanupStack } from './cleanup.ts';
import type { NodeEnv } from './node-env.ts';
import type { Report } from './report.ts';

// What every runtime scenario receives from main.

/** Shared state of one e2e run. */
export interface ScenarioContext {
  readonly report: Report;
  readonly cleanup: CleanupStack;
  readonly env: NodeEnv;
  /** The run's temporary directory. */
  readonly stateDir: string;
  /** The directory ctr sees as /etc/cni/net.d. */
  readonly ctrNetDir: string;
  /** busybox root filesystem (podman --rootfs). */
  readonly rootfs: string;
  /** OCI archive of the same root filesystem (ctr images import). */
  readonly ociArchive: string;
  /** Name of the image inside the archive. */
  readonly imageRef: string;
  /** The token /var/www/index.html serves. */
  readonly page: string;
  readonly cniVersion: string;
  /** bridge's ipMasq in the conflists. */
  readonly ipMasq: boolean;
  readonly say: (line: string) => void;
}

/** The caller's environment without variables that would change what runtimes do. */
export function runtimeEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(CNI_|CONTAINERS_|CONTAINER_|DOCKER_|REGISTRY_AUTH|XDG_RUNTIME_DIR$|NODE_OPTIONS$)/.test(key)) continue;
    env[key] = value;
  }
  env.PATH = process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  return { ...env, ...extra };
}
