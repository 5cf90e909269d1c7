import { describe, expect, it } from 'vitest';
import { describeBlob, imageDocuments, ociArch } from './oci-image.ts';

describe('oci image documents', () => {
  it('describes blobs by sha256', () => {
    expect(describeBlob('t', Buffer.from('abc'))).toEqual({
      mediaType: 't',
      digest: 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      size: 3,
    });
  });

  it('links config, manifest and index, and names the image in the index', () => {
    const layer = describeBlob('application/vnd.oci.image.layer.v1.tar', Buffer.from('layer'));
    const docs = imageDocuments({ ref: 'localhost/x:1', arch: 'amd64', cmd: ['/bin/sh'], layer });
    const config = JSON.parse(docs.config);
    expect(config).toMatchObject({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/sh'] }, rootfs: { diff_ids: [layer.digest] } });
    const configBlob = describeBlob('application/vnd.oci.image.config.v1+json', Buffer.from(docs.config));
    const manifest = JSON.parse(docs.manifest(configBlob));
    expect(manifest).toMatchObject({ schemaVersion: 2, config: configBlob, layers: [layer] });
    const manifestBlob = describeBlob('application/vnd.oci.image.manifest.v1+json', Buffer.from(docs.manifest(configBlob)));
    const index = JSON.parse(docs.index(manifestBlob));
    expect(index.manifests[0]).toMatchObject({ digest: manifestBlob.digest, annotations: { 'org.opencontainers.image.ref.name': 'localhost/x:1' } });
  });

  it('maps Node architectures to OCI ones', () => {
    expect(ociArch('x64')).toBe('amd64');
    expect(ociArch('arm64')).toBe('arm64');
    expect(() => ociArch('mips')).toThrow(/no OCI architecture/);
  });
});
