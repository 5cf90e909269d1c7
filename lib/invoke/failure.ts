import { ErrorCode, parseJson } from '../cni/index.ts';
import { type PluginContext, PluginError } from './errors.ts';

/**
 * Turns a non-zero exit into a PluginError, following libcni: non-empty stdout must be the
 * spec's error JSON; otherwise the message says the diagnostic could not be parsed and quotes
 * it. With empty stdout the message quotes stderr, or says there was no message at all.
 */
export function pluginFailure(
  context: PluginContext,
  run: { stdout: Buffer; stderr: Buffer; exitCode: number | undefined; signal?: string | undefined },
): PluginError {
  const stdout = run.stdout.toString('utf8');
  const stderr = run.stderr.toString('utf8');
  const how = run.exitCode !== undefined ? `exit status ${run.exitCode}` : `killed${run.signal ? ` by ${run.signal}` : ''}`;
  const details = { exitCode: run.exitCode, stderr };
  if (stdout.trim() === '') {
    const msg = stderr.trim() === ''
      ? `netplugin failed with no error message: ${how}`
      : `netplugin failed: ${JSON.stringify(stderr)}: ${how}`;
    return new PluginError(context, { code: ErrorCode.Internal, msg }, details);
  }
  const parsed = parseErrorJson(stdout);
  if (typeof parsed === 'string') {
    return new PluginError(
      context,
      { code: ErrorCode.Internal, msg: `netplugin failed but error parsing its diagnostic message ${JSON.stringify(stdout)}: ${parsed}` },
      details,
    );
  }
  return new PluginError(context, parsed, details);
}

/** The spec error object, or the reason it is not one. */
function parseErrorJson(text: string): { code: number; msg: string; details?: string } | string {
  let value: unknown;
  try {
    value = parseJson(text);
  } catch (e) {
    return (e as Error).message;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'it is not a JSON object';
  const o = value as Record<string, unknown>;
  // Go decodes into types.Error, so a missing field reads as its zero value; a wrongly typed
  // one is a decode failure.
  if (o.code !== undefined && (typeof o.code !== 'number' || !Number.isInteger(o.code))) return '"code" is not an integer';
  if (o.msg !== undefined && typeof o.msg !== 'string') return '"msg" is not a string';
  if (o.details !== undefined && typeof o.details !== 'string') return '"details" is not a string';
  const out: { code: number; msg: string; details?: string } = {
    code: (o.code as number | undefined) ?? 0,
    msg: (o.msg as string | undefined) ?? '',
  };
  if (o.details) out.details = o.details as string;
  return out;
}
