import { readFileSync } from 'node:fs';
import type { PodSpec } from '../cri/client.ts';
import { APP_IMAGE } from './cri-config.ts';
import type { ClusterNode } from './node.ts';

// Pods as a kubelet makes them: RunPodSandbox, then the app container (CreateContainer,
// StartContainer), PodSandboxStatus for the pod IP; StopPodSandbox then RemovePodSandbox.

/** A pod running on a node. */
export interface RunningPod {
  readonly node: ClusterNode;
  readonly spec: PodSpec;
  readonly sandboxId: string;
  readonly ip: string;
  /** The app container, when one was started. */
  readonly containerId?: string;
  /** RunPodSandbox's latency. */
  readonly runMs: number;
}

/** The busybox web server every app container runs. */
export const HTTPD_COMMAND: readonly string[] = ['/bin/busybox', 'httpd', '-f', '-p', '80', '-h', '/var/www'];

/**
 * Runs a pod's sandbox (and, with `app`, its web container) and reads its IP.
 * @throws GrpcError when the runtime refuses; Error when the pod has no IP or is not ready.
 */
export async function runPod(node: ClusterNode, spec: PodSpec, options: { app: boolean; handler?: string }): Promise<RunningPod> {
  const started = performance.now();
  const sandboxId = await node.cri.runPodSandbox(spec, options.handler ?? '');
  const runMs = performance.now() - started;
  const status = await node.cri.podSandboxStatus(sandboxId);
  if (status.state !== 0) throw new Error(`${spec.name}: sandbox ${sandboxId.slice(0, 12)} not ready (state ${status.state})`);
  if (!status.ip) throw new Error(`${spec.name}: PodSandboxStatus has no pod IP`);
  let containerId: string | undefined;
  if (options.app) {
    containerId = await node.cri.createContainer(sandboxId, spec, { name: 'web', image: APP_IMAGE, command: HTTPD_COMMAND });
    await node.cri.startContainer(containerId);
  }
  return { node, spec, sandboxId, ip: status.ip, runMs, ...(containerId ? { containerId } : {}) };
}

/** Latencies of a pod's removal. */
export interface RemoveTimes {
  readonly stopMs: number;
  readonly removeMs: number;
}

/** StopPodSandbox (the CNI DEL happens here), then RemovePodSandbox. */
export async function removePod(node: ClusterNode, sandboxId: string): Promise<RemoveTimes> {
  const t0 = performance.now();
  await node.cri.stopPodSandbox(sandboxId);
  const t1 = performance.now();
  await node.cri.removePodSandbox(sandboxId);
  return { stopMs: t1 - t0, removeMs: performance.now() - t1 };
}

/**
 * The pod's host-side interfaces from libcni's cache entry for the sandbox: the host veth and,
 * when egress is shaped, the bandwidth plugin's ifb (interfaces without a sandbox path that are
 * not the bridge).
 */
export function hostInterfacesOf(pod: RunningPod, network: string, bridge: string): string[] {
  const text = readFileSync(pod.node.env.view(`/var/lib/cni/results/${network}-${pod.sandboxId}-eth0`), 'utf8');
  const entry = JSON.parse(text) as { result?: { interfaces?: { name: string; sandbox?: string }[] } };
  return (entry.result?.interfaces ?? []).filter((i) => !i.sandbox && i.name !== bridge).map((i) => i.name);
}
