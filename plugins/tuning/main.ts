import { pluginMain } from '../../lib/cni/index.ts';
import { processIo } from '../../lib/sys/index.ts';
import { add } from './add.ts';
import { check } from './check.ts';
import { del } from './del.ts';

// GC and STATUS: none, as Go's. GC cannot be meaningful here: backup files are named by
// container and interface only, so a network's GC cannot tell its own from another network's.
pluginMain({ name: 'tuning', handlers: { add, del, check } }, processIo());
