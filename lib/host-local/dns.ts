import { readFileSync } from 'node:fs';
import { invalidConfig } from '../cni/index.ts';
import type { Dns } from '../cni/index.ts';

/**
 * Turns resolv.conf text into a result's `dns`, as the Go plugin does: `nameserver` (one
 * address per line, repeatable), `domain` (the last one wins), `search` and `options`
 * (words appended). Lines starting with "#" or ";" and lines with fewer than two words are
 * skipped; so are unknown keywords.
 */
export function parseResolvConf(text: string): Dns {
  const dns: { nameservers: string[]; domain?: string; search: string[]; options: string[] } = {
    nameservers: [],
    search: [],
    options: [],
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const fields = line.split(/\s+/);
    const [keyword, first] = fields;
    if (first === undefined) continue;
    switch (keyword) {
      case 'nameserver':
        dns.nameservers.push(first);
        break;
      case 'domain':
        dns.domain = first;
        break;
      case 'search':
        dns.search.push(...fields.slice(1));
        break;
      case 'options':
        dns.options.push(...fields.slice(1));
        break;
    }
  }
  const out: Dns = {};
  if (dns.nameservers.length) out.nameservers = dns.nameservers;
  if (dns.domain !== undefined) out.domain = dns.domain;
  if (dns.search.length) out.search = dns.search;
  if (dns.options.length) out.options = dns.options;
  return out;
}

/**
 * Reads and parses the file named by `ipam.resolvConf`.
 * @throws CniError code 7 naming the key and path when the file cannot be read.
 */
export function loadResolvConf(path: string): Dns {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw invalidConfig('ipam.resolvConf', path, `cannot read it: ${(e as Error).message}`);
  }
  return parseResolvConf(text);
}
