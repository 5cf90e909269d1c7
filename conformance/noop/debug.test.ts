import { describe, expect, it } from 'vitest';
import { instructionsFor } from './debug.ts';

describe('noop instructionsFor', () => {
  const debug = {
    reportStderr: 'top',
    reportResult: { cniVersion: '1.0.0' },
    overrides: [
      { command: 'DEL', reportError: 'del fails' },
      { type: 'b', reportExitCode: 3 },
      { type: 'b', command: 'DEL', reportStderr: 'b-del' },
    ],
    calls: [],
  };

  it.each([
    ['ADD', 'a', { reportStderr: 'top', reportResult: { cniVersion: '1.0.0' } }],
    ['DEL', 'a', { reportStderr: 'top', reportResult: { cniVersion: '1.0.0' }, reportError: 'del fails' }],
    ['ADD', 'b', { reportStderr: 'top', reportResult: { cniVersion: '1.0.0' }, reportExitCode: 3 }],
    ['DEL', 'b', { reportStderr: 'b-del', reportResult: { cniVersion: '1.0.0' }, reportError: 'del fails', reportExitCode: 3 }],
  ])('merges the top level and every matching override for %s of type %s', (command, type, expected) => {
    expect(instructionsFor(debug, command, type)).toEqual(expected);
  });
});
