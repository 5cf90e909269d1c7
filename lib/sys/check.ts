import { SysError } from './errors.ts';
import { lastErrno } from './libc.ts';

/** Turns a libc "-1 and errno" result into a thrown {@link SysError}. */
export function check(result: number, syscall: string, detail?: string): number {
  if (result < 0) {
    throw new SysError(syscall, lastErrno(), detail === undefined ? {} : { detail });
  }
  return result;
}
