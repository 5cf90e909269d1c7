import { describe, expect, it } from 'vitest';
import { decodeCache, encodeCacheEntry } from './cache-format.ts';
import { goJson } from './go-json.ts';

const CONFIG = '{"cniVersion":"1.0.0","name":"net","plugins":[{"type":"bridge"}]}';

describe('encodeCacheEntry', () => {
  it("matches libcni's cachedInfo JSON byte for byte (built by hand from the Go struct)", () => {
    // Go: struct fields in declaration order; []byte as base64; map keys sorted; omitempty on
    // netns, cniArgs, capabilityArgs and result; HTML characters escaped.
    const golden =
      '{"kind":"cniCacheV1","containerId":"ctr1","config":"' +
      Buffer.from(CONFIG).toString('base64') +
      '","ifName":"eth0","networkName":"net","netns":"/var/run/netns/x",' +
      '"cniArgs":[["IgnoreUnknown","1"],["K8S_POD_NAME","a\\u0026b"]],' +
      '"capabilityArgs":{"io.kubernetes.cri.pod-annotations":{"k":"\\u003cv\\u003e"},"portMappings":[{"containerPort":80,"hostPort":8080,"protocol":"tcp"}]},' +
      '"result":{"cniVersion":"1.0.0","interfaces":[{"mac":"0a:58:0a:01:00:05","name":"eth0","sandbox":"/var/run/netns/x"}],' +
      '"ips":[{"address":"10.1.0.5/16","gateway":"10.1.0.1","interface":0}]}}';
    const encoded = encodeCacheEntry({
      containerId: 'ctr1',
      config: Buffer.from(CONFIG),
      ifName: 'eth0',
      networkName: 'net',
      netns: '/var/run/netns/x',
      cniArgs: [
        ['IgnoreUnknown', '1'],
        ['K8S_POD_NAME', 'a&b'],
      ],
      capabilityArgs: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }], 'io.kubernetes.cri.pod-annotations': { k: '<v>' } },
      result: {
        cniVersion: '1.0.0',
        interfaces: [{ name: 'eth0', mac: '0a:58:0a:01:00:05', sandbox: '/var/run/netns/x' }],
        ips: [{ interface: 0, address: '10.1.0.5/16', gateway: '10.1.0.1' }],
      },
    });
    expect(encoded).toBe(golden);
  });

  it('omits the empty optional fields as Go omitempty does', () => {
    expect(encodeCacheEntry({ containerId: 'c', config: Buffer.from('{}'), ifName: 'eth0', networkName: 'n', netns: '', cniArgs: [], capabilityArgs: {} })).toBe(
      '{"kind":"cniCacheV1","containerId":"c","config":"e30=","ifName":"eth0","networkName":"n"}',
    );
  });
});

describe('decodeCache', () => {
  it('round-trips an entry', () => {
    const entry = {
      containerId: 'c',
      config: Buffer.from(CONFIG),
      ifName: 'eth0',
      networkName: 'n',
      netns: '/x',
      cniArgs: [['A', 'b']] as [string, string][],
      capabilityArgs: { mac: 'm' },
      result: { cniVersion: '1.1.0' },
    };
    expect(decodeCache(encodeCacheEntry(entry))).toEqual({ kind: 'v1', entry });
  });

  it('reads a pre-v1 file (just the result) as legacy', () => {
    expect(decodeCache('{"cniVersion":"0.3.1","ips":[]}')).toEqual({ kind: 'legacy', result: { cniVersion: '0.3.1', ips: [] } });
  });

  it.each([
    ['', 'the file is empty'],
    ['  \n', 'the file is empty'],
    ['{"kind":"cniCacheV1","containerId":', /^it is not JSON/],
    ['[1]', 'it is not a JSON object'],
    ['{"kind":"other"}', 'unknown kind "other" and not a result'],
    ['{"kind":"cniCacheV1","config":5}', '"config" is not base64 text'],
    ['{"kind":"cniCacheV1","cniArgs":[["a"]]}', '"cniArgs" is not a list of [key, value] pairs'],
    ['{"kind":"cniCacheV1","result":[]}', '"result" is not an object'],
  ])('calls %j corrupt without throwing', (text, reason) => {
    const d = decodeCache(text);
    expect(d.kind).toBe('corrupt');
    if (d.kind === 'corrupt') expect(d.reason).toMatch(reason);
  });
});

describe('goJson', () => {
  it('sorts keys bytewise at every level and escapes HTML characters like Go', () => {
    expect(goJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: '<&>\u2028' }, B: null })).toBe(
      '{"B":null,"a":{"c":"\\u003c\\u0026\\u003e\\u2028","d":[{"y":2,"z":1}]},"b":1}',
    );
  });
});
