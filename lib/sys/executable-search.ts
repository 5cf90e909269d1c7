import { ENOENT } from './errno.ts';
import { SysError } from './errors.ts';

/** Where a bare name is searched when neither the child's env nor this process has PATH. */
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const EACCES = 13;

/** execvp's search: the first executable regular file wins; EACCES if only unusable ones exist. */
export function resolveExecutable(file: string, searchPath: string = DEFAULT_PATH): string {
  if (file.includes('/')) return file;
  // loaded here, not at start: callers on hot paths pass absolute paths (see file.ts on node:fs)
  const { accessSync, constants: fsConstants, statSync } = process.getBuiltinModule('node:fs');
  if (file === '') throw new SysError('posix_spawn', ENOENT, { detail: '(empty file name)' });
  let denied = false;
  for (const dir of searchPath.split(':')) {
    const candidate = `${dir === '' ? '.' : dir}/${file}`;
    const st = statSync(candidate, { throwIfNoEntry: false });
    if (st === undefined || st.isDirectory()) continue;
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      denied = true;
    }
  }
  throw new SysError('posix_spawn', denied ? EACCES : ENOENT, { detail: file });
}
