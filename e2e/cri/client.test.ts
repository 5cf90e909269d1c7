import { describe, expect, it } from 'vitest';
import { sandboxConfig } from './client.ts';
import * as M from './messages.ts';
import { decodeMessage, encodeMessage } from './protobuf.ts';

describe('sandboxConfig', () => {
  it('carries what kubelet sends for hostPorts, bandwidth annotations and the cgroup parent', () => {
    const config = sandboxConfig({
      name: 'web',
      namespace: 'default',
      uid: 'u1',
      portMappings: [{ containerPort: 80, hostPort: 30080 }],
      annotations: { 'kubernetes.io/ingress-bandwidth': '1M' },
      cgroupParent: '/cnits/node1',
    });
    const back = decodeMessage(M.PodSandboxConfig, encodeMessage(M.PodSandboxConfig, config));
    expect(back.metadata).toEqual({ name: 'web', uid: 'u1', namespace: 'default', attempt: 0 });
    expect(back.hostname).toBe('web');
    expect(back.portMappings).toEqual([{ protocol: M.PROTOCOL.TCP, containerPort: 80, hostPort: 30080, hostIp: '' }]);
    expect(back.annotations).toEqual({ 'kubernetes.io/ingress-bandwidth': '1M' });
    expect(back.linux).toEqual({ cgroupParent: '/cnits/node1', sysctls: {} });
  });

  it('sends no port mappings or cgroup parent when the pod has none', () => {
    const back = decodeMessage(M.PodSandboxConfig, encodeMessage(M.PodSandboxConfig, sandboxConfig({ name: 'p', namespace: 'n', uid: 'u' })));
    expect(back.portMappings).toEqual([]);
    expect(back.linux).toEqual({ cgroupParent: '', sysctls: {} });
  });
});
