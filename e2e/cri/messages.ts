import type { Schema } from './protobuf.ts';

// The CRI (k8s.io/cri-api, runtime.v1) messages the cluster e2e sends and reads, only the fields
// it uses. Field numbers are those of api.proto; names are camelCase here.

/** Protocol enum of PortMapping. */
export const PROTOCOL = { TCP: 0, UDP: 1, SCTP: 2 } as const;
/** PodSandboxState enum. */
export const SANDBOX_STATE = { READY: 0, NOTREADY: 1 } as const;

export const VersionRequest: Schema = { version: { no: 1, kind: 'string' } };
export const VersionResponse: Schema = {
  version: { no: 1, kind: 'string' },
  runtimeName: { no: 2, kind: 'string' },
  runtimeVersion: { no: 3, kind: 'string' },
  runtimeApiVersion: { no: 4, kind: 'string' },
};

export const PortMapping: Schema = {
  protocol: { no: 1, kind: 'enum' },
  containerPort: { no: 2, kind: 'int32' },
  hostPort: { no: 3, kind: 'int32' },
  hostIp: { no: 4, kind: 'string' },
};

export const PodSandboxMetadata: Schema = {
  name: { no: 1, kind: 'string' },
  uid: { no: 2, kind: 'string' },
  namespace: { no: 3, kind: 'string' },
  attempt: { no: 4, kind: 'uint32' },
};

export const LinuxPodSandboxConfig: Schema = {
  cgroupParent: { no: 1, kind: 'string' },
  sysctls: { no: 3, kind: 'map' },
};

export const PodSandboxConfig: Schema = {
  metadata: { no: 1, kind: 'message', schema: () => PodSandboxMetadata },
  hostname: { no: 2, kind: 'string' },
  logDirectory: { no: 3, kind: 'string' },
  portMappings: { no: 5, kind: 'message', schema: () => PortMapping, repeated: true },
  labels: { no: 6, kind: 'map' },
  annotations: { no: 7, kind: 'map' },
  linux: { no: 8, kind: 'message', schema: () => LinuxPodSandboxConfig },
};

export const RunPodSandboxRequest: Schema = {
  config: { no: 1, kind: 'message', schema: () => PodSandboxConfig },
  runtimeHandler: { no: 2, kind: 'string' },
};
export const RunPodSandboxResponse: Schema = { podSandboxId: { no: 1, kind: 'string' } };

/** Stop, Remove and Status take the sandbox ID as field 1. */
export const PodSandboxIdRequest: Schema = { podSandboxId: { no: 1, kind: 'string' } };
export const PodSandboxStatusRequest: Schema = { podSandboxId: { no: 1, kind: 'string' }, verbose: { no: 2, kind: 'bool' } };
export const Empty: Schema = {};

export const PodIP: Schema = { ip: { no: 1, kind: 'string' } };
export const PodSandboxNetworkStatus: Schema = {
  ip: { no: 1, kind: 'string' },
  additionalIps: { no: 2, kind: 'message', schema: () => PodIP, repeated: true },
};
export const PodSandboxStatus: Schema = {
  id: { no: 1, kind: 'string' },
  metadata: { no: 2, kind: 'message', schema: () => PodSandboxMetadata },
  state: { no: 3, kind: 'enum' },
  createdAt: { no: 4, kind: 'int64' },
  network: { no: 5, kind: 'message', schema: () => PodSandboxNetworkStatus },
  annotations: { no: 8, kind: 'map' },
  runtimeHandler: { no: 9, kind: 'string' },
};
export const PodSandboxStatusResponse: Schema = {
  status: { no: 1, kind: 'message', schema: () => PodSandboxStatus },
  info: { no: 2, kind: 'map' },
};

export const PodSandbox: Schema = {
  id: { no: 1, kind: 'string' },
  metadata: { no: 2, kind: 'message', schema: () => PodSandboxMetadata },
  state: { no: 3, kind: 'enum' },
};
export const ListPodSandboxRequest: Schema = {};
export const ListPodSandboxResponse: Schema = { items: { no: 1, kind: 'message', schema: () => PodSandbox, repeated: true } };

export const ImageSpec: Schema = { image: { no: 1, kind: 'string' } };
export const ContainerMetadata: Schema = { name: { no: 1, kind: 'string' }, attempt: { no: 2, kind: 'uint32' } };
export const ContainerConfig: Schema = {
  metadata: { no: 1, kind: 'message', schema: () => ContainerMetadata },
  image: { no: 2, kind: 'message', schema: () => ImageSpec },
  command: { no: 3, kind: 'string', repeated: true },
  args: { no: 4, kind: 'string', repeated: true },
  labels: { no: 9, kind: 'map' },
  logPath: { no: 11, kind: 'string' },
};
export const CreateContainerRequest: Schema = {
  podSandboxId: { no: 1, kind: 'string' },
  config: { no: 2, kind: 'message', schema: () => ContainerConfig },
  sandboxConfig: { no: 3, kind: 'message', schema: () => PodSandboxConfig },
};
export const CreateContainerResponse: Schema = { containerId: { no: 1, kind: 'string' } };
export const ContainerIdRequest: Schema = { containerId: { no: 1, kind: 'string' } };

export const ExecSyncRequest: Schema = {
  containerId: { no: 1, kind: 'string' },
  cmd: { no: 2, kind: 'string', repeated: true },
  timeout: { no: 3, kind: 'int64' },
};
export const ExecSyncResponse: Schema = {
  stdout: { no: 1, kind: 'bytes' },
  stderr: { no: 2, kind: 'bytes' },
  exitCode: { no: 3, kind: 'int32' },
};

export const StatusRequest: Schema = { verbose: { no: 1, kind: 'bool' } };
export const RuntimeCondition: Schema = {
  type: { no: 1, kind: 'string' },
  status: { no: 2, kind: 'bool' },
  reason: { no: 3, kind: 'string' },
  message: { no: 4, kind: 'string' },
};
export const RuntimeStatus: Schema = { conditions: { no: 1, kind: 'message', schema: () => RuntimeCondition, repeated: true } };
export const StatusResponse: Schema = {
  status: { no: 1, kind: 'message', schema: () => RuntimeStatus },
  info: { no: 2, kind: 'map' },
};
