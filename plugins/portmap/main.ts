import { pluginMain } from '../../lib/cni/index.ts';
import { processIo } from '../../lib/sys/index.ts';
import { add, check, del, gc, status } from './handlers.ts';

pluginMain({ name: 'portmap', handlers: { add, del, check, gc, status } }, processIo());
