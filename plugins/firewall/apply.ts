import { runSteps } from '../../lib/cni/index.ts';
import type { ForwardBackend, ForwardSpec } from '../../lib/firewall/forward/index.ts';

// The host changes of ADD and DEL, each taking the plan (a ForwardSpec) rather than a config.

/**
 * Installs the rules (one transaction per address family). When one family fails after the
 * other succeeded, the address rules go again, so a failed ADD leaves no pod rule behind.
 */
export async function installRules(backend: ForwardBackend, spec: ForwardSpec): Promise<void> {
  try {
    await backend.setup(spec);
  } catch (e) {
    await backend.teardown(spec).catch(() => {});
    throw e;
  }
}

/** Removes the attachment's rules from every backend given (every step runs; errors are joined). */
export async function removeRules(backends: readonly ForwardBackend[], spec: ForwardSpec): Promise<void> {
  await runSteps('firewall DEL', backends.map((b) => [`${b.name} teardown`, () => b.teardown(spec)] as const));
}
