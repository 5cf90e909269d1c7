import { existsSync } from 'node:fs';
import { systemRunner } from '../../firewall/runner.ts';
import { NetlinkSocket, deleteLink, listLinks } from '../../netlink/index.ts';
import type { NodeReaders } from './collect-facts.ts';
import type { NodeWriters } from './fix.ts';

// The real node: links through netlink (no `ip` in shipped code), firewall tools started
// directly (never through a shell), netns paths checked on the file system.

export function nodeReaders(): NodeReaders {
  const runner = systemRunner();
  return {
    links() {
      const sock = NetlinkSocket.open();
      try {
        const links = listLinks(sock);
        const nameOf = new Map(links.map((l) => [l.index, l.name]));
        return links.map((l) => ({
          name: l.name,
          kind: l.kind,
          master: l.master === undefined ? undefined : nameOf.get(l.master),
          peerElsewhere: l.kind === 'veth' && l.linkNetnsId !== undefined,
        }));
      } finally {
        sock.close();
      }
    },
    run: (argv) => runner.run(argv),
    pathExists: (path) => existsSync(path),
  };
}

export function nodeWriters(): NodeWriters {
  const runner = systemRunner();
  return {
    run: (argv, input) => runner.run(argv, input === undefined ? {} : { input }),
    deleteLink(name) {
      const sock = NetlinkSocket.open();
      try {
        deleteLink(sock, name);
      } finally {
        sock.close();
      }
    },
  };
}
