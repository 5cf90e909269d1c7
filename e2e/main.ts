// Entry of `npm run e2e` (bundled by e2e/run.mjs): real container runtimes on our plugins.
import { runE2e } from './e2e.ts';

process.exitCode = await runE2e(process.argv.slice(2));
