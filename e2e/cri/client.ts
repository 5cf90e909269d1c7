import { GrpcConnection } from './grpc.ts';
import * as M from './messages.ts';
import { decodeMessage, encodeMessage, type Message, type Schema } from './protobuf.ts';

// A kubelet-like CRI client: the runtime.v1 RuntimeService calls the cluster e2e makes, typed
// loosely (decoded messages are plain objects shaped by messages.ts).

/** What a pod needs for RunPodSandbox. */
export interface PodSpec {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly hostname?: string;
  readonly portMappings?: readonly { containerPort: number; hostPort: number; protocol?: number; hostIp?: string }[];
  readonly annotations?: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
  readonly cgroupParent?: string;
}

/** The PodSandboxConfig message for a pod (pure). */
export function sandboxConfig(pod: PodSpec): Message {
  return {
    metadata: { name: pod.name, namespace: pod.namespace, uid: pod.uid, attempt: 0 },
    hostname: pod.hostname ?? pod.name,
    portMappings: (pod.portMappings ?? []).map((p) => ({ protocol: p.protocol ?? M.PROTOCOL.TCP, containerPort: p.containerPort, hostPort: p.hostPort, hostIp: p.hostIp ?? '' })),
    labels: pod.labels ?? {},
    annotations: pod.annotations ?? {},
    linux: pod.cgroupParent ? { cgroupParent: pod.cgroupParent } : {},
  };
}

/** A condition of the runtime's Status answer. */
export interface RuntimeCondition {
  readonly type: string;
  readonly status: boolean;
  readonly reason: string;
  readonly message: string;
}

const RUNTIME = '/runtime.v1.RuntimeService';

/** The RuntimeService of one containerd. */
export class CriClient {
  readonly #conn: GrpcConnection;

  constructor(socketPath: string) {
    this.#conn = new GrpcConnection(socketPath);
  }

  async #call(method: string, reqSchema: Schema, req: Message, resSchema: Schema, timeoutMs?: number): Promise<Message> {
    const bytes = await this.#conn.unary(`${RUNTIME}/${method}`, encodeMessage(reqSchema, req, method), timeoutMs);
    return decodeMessage(resSchema, bytes);
  }

  async version(): Promise<{ runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }> {
    const r = await this.#call('Version', M.VersionRequest, { version: 'v1' }, M.VersionResponse);
    return r as { runtimeName: string; runtimeVersion: string; runtimeApiVersion: string };
  }

  async status(): Promise<RuntimeCondition[]> {
    const r = await this.#call('Status', M.StatusRequest, {}, M.StatusResponse);
    const status = r.status as { conditions: RuntimeCondition[] } | undefined;
    return status?.conditions ?? [];
  }

  async runPodSandbox(pod: PodSpec, runtimeHandler = ''): Promise<string> {
    const r = await this.#call('RunPodSandbox', M.RunPodSandboxRequest, { config: sandboxConfig(pod), runtimeHandler }, M.RunPodSandboxResponse);
    return r.podSandboxId as string;
  }

  async podSandboxStatus(id: string): Promise<{ state: number; ip: string; additionalIps: string[] }> {
    const r = await this.#call('PodSandboxStatus', M.PodSandboxStatusRequest, { podSandboxId: id }, M.PodSandboxStatusResponse);
    const status = r.status as { state: number; network?: { ip: string; additionalIps: { ip: string }[] } } | undefined;
    if (!status) throw new Error(`PodSandboxStatus ${id}: no status in the answer`);
    return { state: status.state, ip: status.network?.ip ?? '', additionalIps: (status.network?.additionalIps ?? []).map((p) => p.ip) };
  }

  async stopPodSandbox(id: string): Promise<void> {
    await this.#call('StopPodSandbox', M.PodSandboxIdRequest, { podSandboxId: id }, M.Empty);
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.#call('RemovePodSandbox', M.PodSandboxIdRequest, { podSandboxId: id }, M.Empty);
  }

  async listPodSandbox(): Promise<{ id: string; state: number }[]> {
    const r = await this.#call('ListPodSandbox', M.ListPodSandboxRequest, {}, M.ListPodSandboxResponse);
    return r.items as { id: string; state: number }[];
  }

  async createContainer(sandboxId: string, pod: PodSpec, container: { name: string; image: string; command: readonly string[] }): Promise<string> {
    const r = await this.#call(
      'CreateContainer',
      M.CreateContainerRequest,
      {
        podSandboxId: sandboxId,
        config: { metadata: { name: container.name, attempt: 0 }, image: { image: container.image }, command: [...container.command] },
        sandboxConfig: sandboxConfig(pod),
      },
      M.CreateContainerResponse,
    );
    return r.containerId as string;
  }

  async startContainer(id: string): Promise<void> {
    await this.#call('StartContainer', M.ContainerIdRequest, { containerId: id }, M.Empty);
  }

  /** Runs a command in a container and returns its exit code and output. */
  async execSync(id: string, cmd: readonly string[], timeoutSeconds = 10): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const r = await this.#call('ExecSync', M.ExecSyncRequest, { containerId: id, cmd: [...cmd], timeout: timeoutSeconds }, M.ExecSyncResponse, (timeoutSeconds + 30) * 1000);
    return { exitCode: r.exitCode as number, stdout: Buffer.from(r.stdout as Uint8Array).toString('utf8'), stderr: Buffer.from(r.stderr as Uint8Array).toString('utf8') };
  }

  close(): void {
    this.#conn.close();
  }
}
