import { afterAll, describe, expect, it } from 'vitest';
import { withNetns } from '../netns/index.ts';
import { createNamespace, isRoot, removeAllNamespaces } from '../testing/index.ts';
import { IFF_MULTI_QUEUE, IFF_NO_PI, IFF_TAP, createPersistentTun } from './tun.ts';

// The koffi binding of the ioctls (the compiled executables use bun:ffi; the tap plugin's
// integration tests exercise that one), against the kernel, inside a throwaway namespace.
describe.skipIf(!isRoot())('createPersistentTun (koffi, real kernel)', () => {
  afterAll(() => removeAllNamespaces());

  it('leaves a persistent tap with owner and group in the namespace /dev/net/tun was opened in, and refuses a taken name', () => {
    const ns = createNamespace('tun');
    withNetns(ns.path, () => createPersistentTun({ name: 'ktap0', flags: IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE, owner: 4242, group: 4343 }));
    const read = (f: string) => ns.exec(['cat', `/sys/class/net/ktap0/${f}`]).trim();
    expect([read('owner'), read('group')]).toEqual(['4242', '4343']);
    expect(Number(read('tun_flags'))).toBe(IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE | 0x0800);
    // IFF_TUN_EXCL: the existing device is not attached to and taken over
    expect(() => withNetns(ns.path, () => createPersistentTun({ name: 'ktap0', flags: IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE, owner: 1 }))).toThrow(expect.objectContaining({ code: 'EBUSY' }));
    expect(read('owner')).toBe('4242');
    // a failing step after TUNSETIFF (an invalid uid) leaves nothing: the device was not persistent yet
    expect(() => withNetns(ns.path, () => createPersistentTun({ name: 'ktap1', flags: IFF_TAP | IFF_NO_PI, owner: 4294967295 }))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(ns.tryExec(['ip', 'link', 'show', 'ktap1']).code).not.toBe(0);
  });
});
