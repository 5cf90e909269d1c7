import { describe, expect, it } from 'vitest';
import { diff, driftSize, formatDrift } from './node-state.ts';

describe('node state diff', () => {
  it('is empty for equal snapshots, whatever the order of sections', () => {
    const a = { links: ['lo device', 'cnistorm0 bridge'], files: ['x file 600 0 B'] };
    const b = { files: ['x file 600 0 B'], links: ['lo device', 'cnistorm0 bridge'] };
    expect(diff(a, b)).toEqual({});
    expect(driftSize(diff(a, b))).toBe(0);
    expect(formatDrift(diff(a, b))).toBe('none');
  });

  it('names what was left behind and what was lost, per section, counting repeated lines', () => {
    const before = { iptables: ['-A X', '-A X', ':CNI-HOSTPORT-DNAT -'], locks: [] };
    const after = { iptables: ['-A X', ':CNI-HOSTPORT-DNAT -', ':CNI-DN-abc -', '-A CNI-DN-abc -j DNAT'], locks: ['cache:lock FLOCK WRITE'] };
    const d = diff(before, after);
    expect(d.iptables).toEqual({ added: [':CNI-DN-abc -', '-A CNI-DN-abc -j DNAT'], removed: ['-A X'] });
    expect(d.locks).toEqual({ added: ['cache:lock FLOCK WRITE'], removed: [] });
    expect(driftSize(d)).toBe(4);
    expect(formatDrift(d)).toContain('iptables: +2 -1');
  });

  it('treats a section only one side has as all added or all removed', () => {
    expect(diff({}, { processes: ['portmap (/x/portmap)'] })).toEqual({ processes: { added: ['portmap (/x/portmap)'], removed: [] } });
    expect(diff({ driverFds: ['pipe x2'] }, {})).toEqual({ driverFds: { added: [], removed: ['pipe x2'] } });
  });
});
