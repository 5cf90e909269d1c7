import { type CreateExecOptions, type Exec, createExec } from './exec.ts';
import { execaSpawner } from './execa-spawn.ts';

/**
 * The Exec the runtime library uses by default: createExec over execa. Kept apart from
 * exec.ts so a plugin bundle that only delegates never loads execa.
 */
export function defaultExec(options: Omit<CreateExecOptions, 'spawner'> = {}): Exec {
  return createExec({ ...options, spawner: execaSpawner() });
}
