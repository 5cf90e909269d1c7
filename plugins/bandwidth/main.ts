import { pluginMain } from '../../lib/cni/index.ts';
import { processIo } from '../../lib/sys/index.ts';
import { add } from './add.ts';
import { check } from './check.ts';
import { del } from './del.ts';

// Spec versions from 0.3.0, as Go's bandwidth (it needs prevResult, which 0.1.0/0.2.0 lack).
// GC and STATUS: none, as Go's: nothing is kept on disk, and the ifb goes with DEL.
const VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'];

pluginMain({ name: 'bandwidth', versions: VERSIONS, handlers: { add, del, check } }, processIo());
