// Reading `nft -j list ...` output: only the pieces the firewall code needs (rules with their
// handle, comment and a readable rendering of simple expressions; chains with their hook).

/** One rule from an nft JSON listing. */
export interface NftListedRule {
  readonly family: string;
  readonly table: string;
  readonly chain: string;
  readonly handle: number;
  readonly comment: string | undefined;
  /** The expressions rendered like nft's text syntax, e.g. `ip saddr == 10.1.0.5 masquerade`. */
  readonly text: string;
}

/** One chain from an nft JSON listing. */
export interface NftListedChain {
  readonly family: string;
  readonly table: string;
  readonly name: string;
  readonly type: string | undefined;
  readonly hook: string | undefined;
}

/** Everything of interest in one listing. */
export interface NftListing {
  readonly chains: readonly NftListedChain[];
  readonly rules: readonly NftListedRule[];
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: Json | undefined): v is { [k: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Deeper than nft nests an expression: rendered as "…", so that a corrupt or hostile listing
 * cannot overflow the stack (a worker thread's ends near 10,000 nested arrays).
 */
const MAX_RENDER_DEPTH = 32;

/** JSON.stringify's compact text, cut at MAX_RENDER_DEPTH. */
function json(v: Json | undefined, depth: number): string {
  if (depth > MAX_RENDER_DEPTH) return '…';
  if (Array.isArray(v)) return `[${v.map((x) => json(x, depth + 1)).join(',')}]`;
  if (isObject(v)) return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${json(x, depth + 1)}`).join(',')}}`;
  return String(JSON.stringify(v));
}

function renderValue(v: Json | undefined, depth = 0): string {
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  if (depth > MAX_RENDER_DEPTH) return '…';
  if (isObject(v)) {
    const prefix = v.prefix;
    if (isObject(prefix)) return `${renderValue(prefix.addr, depth + 1)}/${renderValue(prefix.len, depth + 1)}`;
    const payload = v.payload;
    if (isObject(payload)) return `${renderValue(payload.protocol, depth + 1)} ${renderValue(payload.field, depth + 1)}`;
    const meta = v.meta;
    if (isObject(meta)) return `meta ${renderValue(meta.key, depth + 1)}`;
  }
  return json(v, depth);
}

function renderStatement(st: Json): string {
  if (!isObject(st)) return json(st, 0);
  const [key] = Object.keys(st);
  if (key === undefined) return '{}';
  const body = st[key];
  switch (key) {
    case 'match':
      if (isObject(body)) return `${renderValue(body.left)} ${renderValue(body.op)} ${renderValue(body.right)}`;
      break;
    case 'goto':
    case 'jump':
      if (isObject(body)) return `${key} ${renderValue(body.target)}`;
      break;
    case 'masquerade':
    case 'return':
    case 'accept':
    case 'drop':
    case 'counter':
      if (body === null || isObject(body)) return key;
      break;
  }
  return json(st, 0);
}

/**
 * A name field as text. nft gives strings; anything else is shown as its JSON, never through
 * String(), which throws for an object whose "toString" key is not a function.
 */
function text(v: Json | undefined): string {
  return typeof v === 'string' ? v : json(v, 0);
}

/** A handle: nft gives numbers; anything else that is not a numeric string is NaN (no rule has it). */
function handle(v: Json | undefined): number {
  return typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN;
}

/** Renders a rule's `expr` array as one line (unknown statements as their JSON). */
export function renderExpr(expr: Json | undefined): string {
  return Array.isArray(expr) ? expr.map(renderStatement).join(' ') : '';
}

/** Parses `nft -j ...` output (empty output is an empty listing). @throws SyntaxError for text that is not JSON */
export function parseNftListing(stdout: string): NftListing {
  if (stdout.trim() === '') return { chains: [], rules: [] };
  const doc = JSON.parse(stdout) as Json;
  const items = isObject(doc) && Array.isArray(doc.nftables) ? doc.nftables : [];
  const chains: NftListedChain[] = [];
  const rules: NftListedRule[] = [];
  for (const item of items) {
    if (!isObject(item)) continue;
    const c = item.chain;
    if (isObject(c)) {
      chains.push({
        family: text(c.family),
        table: text(c.table),
        name: text(c.name),
        type: typeof c.type === 'string' ? c.type : undefined,
        hook: typeof c.hook === 'string' ? c.hook : undefined,
      });
    }
    const r = item.rule;
    if (isObject(r)) {
      rules.push({
        family: text(r.family),
        table: text(r.table),
        chain: text(r.chain),
        handle: handle(r.handle),
        comment: typeof r.comment === 'string' ? r.comment : undefined,
        text: renderExpr(r.expr),
      });
    }
  }
  return { chains, rules };
}
