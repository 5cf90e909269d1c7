import { describe, expect, it } from 'vitest';
import * as M from './messages.ts';
import { decodeMessage, encodeMessage, type Schema } from './protobuf.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('protobuf codec', () => {
  it('encodes the wire format of the protobuf documentation', () => {
    expect(hex(encodeMessage({ a: { no: 1, kind: 'int32' } }, { a: 150 }))).toBe('089601');
    expect(hex(encodeMessage({ b: { no: 2, kind: 'string' } }, { b: 'testing' }))).toBe('120774657374696e67');
    // negative int32: ten-byte two's complement varint
    expect(hex(encodeMessage({ a: { no: 1, kind: 'int32' } }, { a: -1 }))).toBe('08ffffffffffffffffff01');
  });

  it('leaves out defaults and decodes absent fields as defaults', () => {
    expect(encodeMessage(M.VersionResponse, { version: '', runtimeName: '' }).length).toBe(0);
    expect(decodeMessage(M.VersionResponse, new Uint8Array())).toEqual({ version: '', runtimeName: '', runtimeVersion: '', runtimeApiVersion: '' });
  });

  it('round-trips a RunPodSandboxRequest with port mappings, annotations and nested messages', () => {
    const req = {
      config: {
        metadata: { name: 'web', uid: 'u-1', namespace: 'default', attempt: 3 },
        hostname: 'web',
        logDirectory: '',
        portMappings: [
          { protocol: M.PROTOCOL.TCP, containerPort: 80, hostPort: 30080, hostIp: '' },
          { protocol: M.PROTOCOL.UDP, containerPort: 53, hostPort: 30053, hostIp: '192.0.2.11' },
        ],
        labels: { app: 'web' },
        annotations: { 'kubernetes.io/ingress-bandwidth': '1M', 'kubernetes.io/egress-bandwidth': '2M' },
        linux: { cgroupParent: '/cnits/pod', sysctls: {} },
      },
      runtimeHandler: 'isolated',
    };
    const back = decodeMessage(M.RunPodSandboxRequest, encodeMessage(M.RunPodSandboxRequest, req));
    expect(back).toEqual(req);
  });

  it('skips unknown fields of every wire type', () => {
    // field 9 varint, field 10 fixed64, field 11 length-delimited, field 12 fixed32, then version
    const bytes = Buffer.from('48960151' + '0102030405060708' + '5a03616263' + '650a0b0c0d' + '0a027631', 'hex');
    expect(decodeMessage(M.VersionRequest, bytes)).toEqual({ version: 'v1' });
  });

  it('decodes packed repeated integers and int64 above 2^32', () => {
    const schema: Schema = { n: { no: 1, kind: 'int32', repeated: true }, t: { no: 2, kind: 'int64' } };
    const bytes = Buffer.concat([Buffer.from('0a03010203', 'hex'), encodeMessage({ t: { no: 2, kind: 'int64' } }, { t: 2 ** 40 })]);
    expect(decodeMessage(schema, bytes)).toEqual({ n: [1, 2, 3], t: 2 ** 40 });
  });

  it('round-trips bytes, bools, uint32 and repeated messages of a Status answer', () => {
    const res = {
      status: { conditions: [{ type: 'RuntimeReady', status: true, reason: '', message: '' }, { type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: 'cni config load failed' }] },
      info: {},
    };
    expect(decodeMessage(M.StatusResponse, encodeMessage(M.StatusResponse, res))).toEqual(res);
    const exec = { stdout: Uint8Array.from([0, 1, 255]), stderr: new Uint8Array(), exitCode: -2 };
    expect(decodeMessage(M.ExecSyncResponse, encodeMessage(M.ExecSyncResponse, exec))).toEqual(exec);
  });

  it('rejects values of the wrong type, naming the field', () => {
    expect(() => encodeMessage(M.PodSandboxMetadata, { name: 5 }, 'PodSandboxMetadata')).toThrow(/PodSandboxMetadata\.name: expected a string/);
    expect(() => encodeMessage(M.PodSandboxMetadata, { attempt: -1 })).toThrow(/attempt: -1 out of uint32 range/);
    expect(() => encodeMessage(M.PortMapping, { hostPort: 1.5 })).toThrow(/hostPort: expected an integer/);
  });

  it('rejects truncated input and wrong wire types for known fields', () => {
    expect(() => decodeMessage(M.VersionRequest, Buffer.from('0a0576', 'hex'))).toThrow(/truncated/);
    expect(() => decodeMessage(M.VersionRequest, Buffer.from('0801', 'hex'))).toThrow(/wire type 0/);
    expect(() => decodeMessage(M.VersionRequest, Buffer.from('8a', 'hex'))).toThrow(/truncated varint/);
  });
});
