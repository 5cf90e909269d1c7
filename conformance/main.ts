// Entry point of the conformance CLI (bundled by run.mjs).
import { main } from './cli.ts';

process.exitCode = await main(process.argv.slice(2));
