#!/usr/bin/env node
// `npm test`: installs what is missing, builds dist/bin, then runs the unit tests and, as root,
// the integration tests against the real kernel inside throwaway namespaces. Without root the
// integration tests are skipped with a message, and in CI (CI=true) that skip fails the run.
import { ensureBuilt, ensureNpmDeps, ensureSystemPackages, isRoot, say, sh } from './setup.mjs';

const extra = process.argv.slice(2);
ensureNpmDeps();
if (isRoot()) ensureSystemPackages();
await ensureBuilt();

say('unit tests');
let failed = sh('npx', ['vitest', 'run', '--project', 'unit', ...extra]) !== 0;

if (!isRoot()) {
  say('integration tests SKIPPED: they need root (network namespaces, veth, iptables, nftables)');
  if (process.env.CI) {
    console.error('CI=true: skipping the integration tests fails the run');
    failed = true;
  }
} else {
  say('integration tests (root, throwaway namespaces)');
  failed = sh('npx', ['vitest', 'run', '--project', 'integration', ...extra]) !== 0 || failed;
}
process.exit(failed ? 1 : 0);
