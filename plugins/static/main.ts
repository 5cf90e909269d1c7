import { pluginMain } from '../../lib/cni/index.ts';
import { processIo } from '../../lib/sys/index.ts';
import { add, check, del } from './handlers.ts';

// GC and STATUS: nothing is held, so there is nothing to collect and nothing to run out of;
// without handlers skel answers both with success, as Go's static does.
pluginMain({ name: 'static', handlers: { add, del, check } }, processIo());
