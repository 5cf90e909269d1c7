import type { NodeEnv } from './node-env.ts';
import { run, tail } from './sh.ts';

// Connectivity probes. From the node: curl inside the node's network namespace. From a second
// container: busybox nc (Debian's static busybox wget segfaults), run by a shell script whose
// output has one `label=<last line of the response>` line per target.

/**
 * GETs `url` from the node namespace and checks the page is the test's token.
 * @throws Error with curl's message or the unexpected body.
 */
export function expectPage(env: NodeEnv, { url, page }: { url: string; page: string }): string {
  const r = run(env.inNet(['curl', '-sS', '--max-time', '5', url]), { timeoutMs: 15_000 });
  if (r.code !== 0) throw new Error(`curl ${url}: ${tail(r.stderr) || `exit ${r.code}`}`);
  if (r.stdout.trim() !== page) throw new Error(`curl ${url}: unexpected body ${JSON.stringify(r.stdout.slice(0, 120))}`);
  return `GET ${url} -> page`;
}

/** A target the second container connects to. */
export interface ProbeTarget {
  readonly label: string;
  readonly host: string;
  readonly port: number;
  /** nc's connect and idle timeout; short for targets that must not answer. @default 5 */
  readonly waitSeconds?: number;
}

/**
 * The second container's script (pure): prints its own IPv4 address as `self=<cidr>`, then one
 * `<label>=<last response line>` per target.
 */
export function clientScript(targets: readonly ProbeTarget[]): string {
  const lines = [`echo "self=$(ip -4 -o addr show eth0 | awk '{print $4}' | head -n 1)"`];
  for (const t of targets) {
    if (!/^[a-z0-9_]+$/.test(t.label) || !/^[\d.]+$/.test(t.host)) throw new Error(`bad probe target ${t.label} ${t.host}`);
    lines.push(`r=$(printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w ${t.waitSeconds ?? 5} ${t.host} ${t.port} 2>&1 | tail -n 1); echo "${t.label}=$r"`);
  }
  return lines.join('\n');
}

/** Parses the script's `key=value` lines (pure). */
export function parseClientOutput(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return out;
}

/**
 * Checks that the probe `label` got the page.
 * @throws Error naming what came back instead.
 */
export function expectProbe(output: Map<string, string>, { label, page }: { label: string; page: string }): string {
  const got = output.get(label);
  if (got === undefined) throw new Error(`no ${label} line in the container's output`);
  if (got !== page) throw new Error(`${label}: got ${JSON.stringify(got.slice(0, 120))} instead of the page`);
  return `${label} -> page`;
}

/**
 * Checks that the probe `label` did not get the page (the connection was dropped or refused).
 * @throws Error when the page came back or the probe did not run.
 */
export function expectBlocked(output: Map<string, string>, { label, page }: { label: string; page: string }): string {
  const got = output.get(label);
  if (got === undefined) throw new Error(`no ${label} line in the container's output`);
  if (got === page) throw new Error(`${label}: got the page, so the traffic was not blocked`);
  return `${label} -> ${got ? JSON.stringify(got.slice(0, 60)) : 'no answer'}`;
}

/** The second container's own IPv4 address (without prefix length), from `self=`. */
export function selfAddress(output: Map<string, string>): string {
  const self = output.get('self') ?? '';
  const ip = self.split('/')[0] ?? '';
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) throw new Error(`the second container printed no eth0 address (${JSON.stringify(self)})`);
  return ip;
}
