import { describe, expect, it } from 'vitest';
import { E2E_PACKAGES, missingPackages } from './packages.ts';

describe('packages', () => {
  it('counts a package as installed when any of its files exists', () => {
    const list = [
      { pkg: 'present', files: ['/nonexistent/x', '/proc/self'], why: '' },
      { pkg: 'absent', files: ['/nonexistent/y'], why: '' },
    ];
    expect(missingPackages(list).map((p) => p.pkg)).toEqual(['absent']);
  });

  it('lists the runtimes and their helpers from real-clients.md', () => {
    expect(E2E_PACKAGES.map((p) => p.pkg)).toEqual(expect.arrayContaining(['podman', 'containerd', 'runc', 'crun', 'catatonit', 'busybox-static']));
  });
});
