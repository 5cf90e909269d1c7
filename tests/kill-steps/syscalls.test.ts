import { describe, expect, it } from 'vitest';
import { killArgs, killPoints, killedAt, whenInLog } from './syscalls.ts';

// Lines as strace -yy writes them for one bridge ADD (shortened), main thread only.
const SURVEY = `execve("/x/dist/bin/bridge", ["/x/dist/bin/bridge"], 0x7ffe5ca03ff0 /* 6 vars */) = 0
execve("/x/dist/bin/cni-ts", ["/x/dist/bin/cni-ts", "bridge"], 0x5633a0e1c2a8 /* 6 vars */) = 0
openat(AT_FDCWD</tmp>, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3</etc/ld.so.cache>
clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, child_tid=0x7f7a207b8990}, 88) = 25153
mkdir("/tmp/d/ksnet", 0755) = 0
openat(AT_FDCWD</tmp>, "/tmp/d/ksnet/lock", O_RDONLY|O_CREAT|O_LARGEFILE|O_CLOEXEC, 0600) = 8</tmp/d/ksnet/lock>
flock(8</tmp/d/ksnet/lock>, LOCK_EX) = 0
openat(AT_FDCWD</tmp>, "/tmp/d/ksnet/.tmp-25152-moiqhtbq", O_WRONLY|O_CREAT|O_EXCL|O_LARGEFILE|O_CLOEXEC, 0600) = 11</tmp/d/ksnet/.tmp-25152-moiqhtbq>
write(11</tmp/d/ksnet/.tmp-25152-moiqhtbq>, "c1\\r\\neth0", 8) = 8
sendto(7<NETLINK:[ROUTE:25152]>, [{nlmsg_len=76, nlmsg_type=RTM_NEWLINK, nlmsg_flags=NLM_F_REQUEST|NLM_F_ACK, nlmsg_seq=244370586, nlmsg_pid=0}, {ifi_family=AF_UNSPEC}], 76, 0, NULL, 0) = 76
write(5<anon_inode:[eventfd]>, "\\1\\0\\0\\0\\0\\0\\0\\0", 8) = 8
clone3({flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD, stack=0x7f7a60cff000, stack_size=0x9000}, 88) = 25157
write(11<pipe:[6838963]>, "*nat\\n-N CNI-4d867079f94b9dfa7330"..., 378) = 378
--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=25157, si_uid=0, si_status=0} ---
write(2<pipe:[1]>, "warning", 7) = 7
write(1<pipe:[6839896]>, "{\\n    \\"cniVersion\\": \\"1.1.0\\",\\n   "..., 527) = 527
+++ exited with 0 +++
`;

describe('kill points of a strace survey', () => {
  const points = killPoints(SURVEY);

  it('keeps the calls that change something and numbers each name as strace counts it', () => {
    expect(points.map((p) => [p.syscall, p.when, p.kind])).toEqual([
      ['mkdir', 1, 'file'],
      ['openat', 2, 'file'], // O_CREAT: the read-only openat before it still counts
      ['flock', 1, 'lock'],
      ['openat', 3, 'file'],
      ['write', 1, 'file'],
      ['sendto', 1, 'netlink'],
      ['clone3', 2, 'spawn'], // the thread's clone3 is number 1 and no step
      ['write', 3, 'child-input'], // the eventfd write is number 2
      ['write', 5, 'result'], // stderr is number 4
    ]);
    expect(points.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // strace starting the sh front, and the front handing over to cni-ts: no step
    expect(points.some((p) => p.syscall === 'execve')).toBe(false);
  });

  it('builds the injection that kills on entering exactly that call', () => {
    expect(killArgs(points[6]!, '/tmp/k.log')).toEqual(['-yy', '-o', '/tmp/k.log', '-e', 'trace=clone3', '-e', 'inject=clone3:signal=KILL:when=2', '--']);
  });

  it('recognises the call a kill run died on, whatever the fds, pids and temp names of that run', () => {
    const log = `openat(AT_FDCWD</tmp>, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3</etc/ld.so.cache>
openat(AT_FDCWD</tmp>, "/tmp/d/ksnet/lock", O_RDONLY|O_CREAT|O_LARGEFILE|O_CLOEXEC, 0600) = 9</tmp/d/ksnet/lock>
openat(AT_FDCWD</tmp>, "/tmp/d/ksnet/.tmp-31337-abcdefgh", O_WRONLY|O_CREAT|O_EXCL|O_LARGEFILE|O_CLOEXEC, 0600) = ?
+++ killed by SIGKILL +++
`;
    expect(killedAt(log)).toBe(points[3]!.signature);
    expect(killedAt(log)).not.toBe(points[1]!.signature);
    expect(killedAt(log.replace('+++ killed by SIGKILL +++', '+++ exited with 0 +++'))).toBeUndefined();
  });

  it('finds where the aimed call really came in a run that started threads in another order', () => {
    const spawn = points[6]!;
    const log = `clone3({flags=CLONE_VM|CLONE_THREAD, child_tid=0x1}, 88) = 1
clone3({flags=CLONE_VM|CLONE_THREAD, child_tid=0x2}, 88) = 2
clone3({flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD, stack=0x7f7a60cff000, stack_size=0x9000}, 88) = 25157
+++ exited with 0 +++
`;
    expect(spawn.when).toBe(2);
    expect(whenInLog(log, spawn)).toBe(3);
    expect(whenInLog(log.split('\n').slice(0, 2).join('\n'), spawn)).toBeUndefined();
    expect(whenInLog(log, { ...spawn, occurrence: 2 })).toBeUndefined();
  });
});
