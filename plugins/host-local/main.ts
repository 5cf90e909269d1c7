import { pluginMain } from '../../lib/cni/index.ts';
import { hostLocalHandlers } from '../../lib/host-local/index.ts';

pluginMain({ name: 'host-local', handlers: hostLocalHandlers });
