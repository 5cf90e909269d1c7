import { pluginMain } from '../../lib/cni/index.ts';
import { processIo } from '../../lib/sys/index.ts';
import { add, check, del } from './handlers.ts';

pluginMain({ name: 'loopback', handlers: { add, del, check } }, processIo());
