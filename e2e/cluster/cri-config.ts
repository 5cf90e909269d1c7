// What each cluster node's containerd and CNI are given (pure): containerd 1.6 with its CRI
// plugin, and the node's conflists.

/** Where things are inside a node's private mount namespace. */
export const NODE_PATHS = {
  socket: '/run/containerd/containerd.sock',
  confDir: '/etc/cni/net.d',
  isolatedConfDir: '/etc/cni/isolated.d',
  binDir: '/opt/cni/bin',
} as const;

/** The CRI's sandbox ("pause") image and the application image, both imported locally. */
export const PAUSE_IMAGE = 'localhost/cnits-pause:1';
export const APP_IMAGE = 'localhost/cnits-busybox:1';

/** The sandbox image's command: sleep until SIGTERM, then exit at once. */
export const PAUSE_COMMAND: readonly string[] = ['/bin/sh', '-c', "trap 'exit 0' TERM; sleep 2147483647 & wait"];

/** The CRI namespace of containerd. */
export const CRI_NAMESPACE = 'k8s.io';

export interface CriConfigInput {
  readonly snapshotter: string;
  /** A second runtime handler whose pods join the isolated network (node 1). */
  readonly isolatedHandler?: string;
}

/**
 * containerd's config.toml: its state in the node's private /var/lib/containerd and
 * /run/containerd, the CRI plugin on, plugins from /opt/cni/bin (the plugin directory under
 * test, bound there), conflists from /etc/cni/net.d, the locally imported sandbox image, the
 * cgroupfs driver (runc's SystemdCgroup off), no AppArmor or SELinux, and oom_score_adj values
 * no lower than containerd's own. No debug or metrics
 * listener; the CRI's streaming server on 127.0.0.1 of the node namespace.
 */
export function criContainerdConfig(input: CriConfigInput): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  const lines = [
    'version = 2',
    'root = "/var/lib/containerd"',
    'state = "/run/containerd"',
    '',
    '[grpc]',
    `  address = ${JSON.stringify(NODE_PATHS.socket)}`,
    '',
    '[debug]',
    '  address = ""',
    '',
    '[metrics]',
    '  address = ""',
    '',
    `[${cri}]`,
    `  sandbox_image = ${JSON.stringify(PAUSE_IMAGE)}`,
    '  disable_apparmor = true',
    '  enable_selinux = false',
    // the sandbox asks for oom_score_adj -998; lowering it needs CAP_SYS_RESOURCE, which a
    // machine that is itself a container may lack (runc init then dies: "can't get final
    // child's PID from pipe"); restricted, containerd keeps it at its own value or above
    '  restrict_oom_score_adj = true',
    '  stream_server_address = "127.0.0.1"',
    '  stream_server_port = "0"',
    '',
    `[${cri}.containerd]`,
    `  snapshotter = ${JSON.stringify(input.snapshotter)}`,
    '  default_runtime_name = "runc"',
    '',
    `[${cri}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    '',
    `[${cri}.containerd.runtimes.runc.options]`,
    '  SystemdCgroup = false',
  ];
  if (input.isolatedHandler) {
    lines.push(
      '',
      `[${cri}.containerd.runtimes.${input.isolatedHandler}]`,
      '  runtime_type = "io.containerd.runc.v2"',
      `  cni_conf_dir = ${JSON.stringify(NODE_PATHS.isolatedConfDir)}`,
      '  cni_max_conf_num = 1',
      '',
      `[${cri}.containerd.runtimes.${input.isolatedHandler}.options]`,
      '  SystemdCgroup = false',
    );
  }
  lines.push(
    '',
    `[${cri}.cni]`,
    `  bin_dir = ${JSON.stringify(NODE_PATHS.binDir)}`,
    `  conf_dir = ${JSON.stringify(NODE_PATHS.confDir)}`,
    '  max_conf_num = 1',
    '',
  );
  return lines.join('\n');
}

/** The pod network of a node. */
export interface PodNetwork {
  readonly name: string;
  readonly bridge: string;
  readonly subnet: string;
  readonly gateway: string;
  readonly cniVersion: string;
  /** portmap and bandwidth (the main network); the isolated network has neither. */
  readonly full: boolean;
}

/**
 * The conflist (pure): bridge with host-local on the node's range, then portmap (hostPort),
 * firewall (with Docker-style isolation between the node's bridges), bandwidth (the pod's
 * bandwidth annotations). No ipMasq: pods reach pods on other nodes with their own addresses,
 * as Kubernetes' network model requires, and nothing outside the cluster is reachable anyway.
 * No dataDir or stateDir: the plugins keep their defaults, as on a real node (the node's private
 * /var/lib/cni and /run are tmpfs).
 */
export function podConflist(net: PodNetwork): Record<string, unknown> {
  const plugins: Record<string, unknown>[] = [
    {
      type: 'bridge',
      bridge: net.bridge,
      isGateway: true,
      ipMasq: false,
      hairpinMode: true,
      ipam: { type: 'host-local', ranges: [[{ subnet: net.subnet, gateway: net.gateway }]], routes: [{ dst: '0.0.0.0/0' }] },
    },
  ];
  if (net.full) plugins.push({ type: 'portmap', capabilities: { portMappings: true }, snat: true });
  plugins.push({ type: 'firewall', ingressPolicy: 'same-bridge' });
  if (net.full) plugins.push({ type: 'bandwidth', capabilities: { bandwidth: true } });
  return { cniVersion: net.cniVersion, name: net.name, plugins };
}
