import { pluginMain } from '../../lib/cni/index.ts';
import { processIo } from '../../lib/sys/index.ts';
import { hostLocalHandlers } from '../../lib/host-local/index.ts';

pluginMain({ name: 'host-local', handlers: hostLocalHandlers }, processIo());
