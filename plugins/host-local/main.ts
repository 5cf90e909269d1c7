import { pluginMain } from '../../lib/cni/index.ts';
import { handlers } from './handlers.ts';

pluginMain({ name: 'host-local', handlers });
