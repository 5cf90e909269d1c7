import { pluginMain } from '../../lib/cni/index.ts';
import { processIo } from '../../lib/sys/index.ts';
import { add } from './add.ts';
import { check } from './check.ts';
import { del } from './del.ts';

// Every spec version, as the suite's other plugins (Go's starts at 0.3.0; a 0.1.0 or 0.2.0
// configuration has no prevResult, so it can only ask for no shaping, or get code 7).
// GC and STATUS: none, as Go's: nothing is kept on disk, and the ifb goes with DEL.
pluginMain({ name: 'bandwidth', handlers: { add, del, check } }, processIo());
