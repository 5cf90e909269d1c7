import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { must } from './sh.ts';

// A one-layer OCI image archive made from a directory, for `ctr images import`: containerd gets
// a locally imported image without a registry and without another tool to build it.

/** The OCI architecture name of this machine. */
export function ociArch(nodeArch: string = process.arch): string {
  const table: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  const arch = table[nodeArch];
  if (!arch) throw new Error(`no OCI architecture for ${nodeArch}`);
  return arch;
}

/** One content-addressed blob of the layout. */
export interface Blob {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

/** Describes bytes as an OCI descriptor (sha256). */
export function describeBlob(mediaType: string, bytes: Buffer): Blob {
  return { mediaType, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size: bytes.length };
}

/** The JSON documents of a one-layer image: config, manifest and index (pure). */
export function imageDocuments(options: { ref: string; arch: string; cmd: readonly string[]; layer: Blob }): {
  config: string;
  manifest: (config: Blob) => string;
  index: (manifest: Blob) => string;
} {
  const config = JSON.stringify({
    architecture: options.arch,
    os: 'linux',
    config: { Cmd: options.cmd, Env: ['PATH=/bin'] },
    rootfs: { type: 'layers', diff_ids: [options.layer.digest] },
  });
  const manifest = (configBlob: Blob): string =>
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: configBlob,
      layers: [options.layer],
    });
  const index = (manifestBlob: Blob): string =>
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          ...manifestBlob,
          platform: { architecture: options.arch, os: 'linux' },
          annotations: { 'io.containerd.image.name': options.ref, 'org.opencontainers.image.ref.name': options.ref },
        },
      ],
    });
  return { config, manifest, index };
}

/**
 * Writes `archive`, an OCI image archive of `rootfs` named `ref` whose default command is `cmd`.
 * @throws CommandError when tar fails.
 */
export function buildOciArchive(options: { rootfs: string; work: string; archive: string; ref: string; cmd: readonly string[] }): void {
  const layout = join(options.work, 'layout');
  const blobs = join(layout, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const layerTar = join(options.work, 'layer.tar');
  must(['tar', '--numeric-owner', '-C', options.rootfs, '-cf', layerTar, '.']);
  const put = (mediaType: string, bytes: Buffer): Blob => {
    const blob = describeBlob(mediaType, bytes);
    writeFileSync(join(blobs, blob.digest.slice('sha256:'.length)), bytes);
    return blob;
  };
  const layer = put('application/vnd.oci.image.layer.v1.tar', readFileSync(layerTar));
  const docs = imageDocuments({ ref: options.ref, arch: ociArch(), cmd: options.cmd, layer });
  const config = put('application/vnd.oci.image.config.v1+json', Buffer.from(docs.config));
  const manifest = put('application/vnd.oci.image.manifest.v1+json', Buffer.from(docs.manifest(config)));
  writeFileSync(join(layout, 'index.json'), docs.index(manifest));
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  must(['tar', '--numeric-owner', '-C', layout, '-cf', options.archive, 'oci-layout', 'index.json', 'blobs']);
}
