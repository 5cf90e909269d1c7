import { listNetworkConfs } from '../load.ts';
import { type VerbContext, expectArgs } from './context.ts';
import { prettyJson } from './output.ts';

/** `list`: every network in NETCONFPATH, in lookup order, broken files included. */
export async function runList(ctx: VerbContext): Promise<void> {
  expectArgs(ctx, []);
  const found = await listNetworkConfs(ctx.confDir);
  if (ctx.args.json) {
    ctx.io.stdout(
      prettyJson(
        found.map((f) =>
          f.list
            ? { name: f.list.name, cniVersion: f.list.cniVersion, plugins: f.list.plugins.map((p) => p.type), file: f.file }
            : { file: f.file, error: f.error?.message },
        ),
      ),
    );
    return;
  }
  if (found.length === 0) {
    ctx.io.stdout(`no network configurations in ${ctx.confDir}\n`);
    return;
  }
  const seen = new Set<string>();
  for (const f of found) {
    if (!f.list) {
      ctx.io.stdout(`${f.file}: error: ${f.error?.message}\n`);
      continue;
    }
    const shadowed = seen.has(f.list.name) ? ' (shadowed by an earlier file)' : '';
    seen.add(f.list.name);
    ctx.io.stdout(`${f.list.name}\t${f.list.cniVersion}\t${f.list.plugins.map((p) => p.type).join(',')}\t${f.file}${shadowed}\n`);
  }
}
