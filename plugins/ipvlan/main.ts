import { pluginMain } from '../../lib/cni/index.ts';
import { processIo } from '../../lib/sys/index.ts';
import { add } from './add.ts';
import { check } from './check.ts';
import { del } from './del.ts';
import { gc, status } from './maintenance.ts';

pluginMain({ name: 'ipvlan', handlers: { add, del, check, gc, status } }, processIo());
