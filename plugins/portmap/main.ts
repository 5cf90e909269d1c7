import { pluginMain } from '../../lib/cni/index.ts';

// Placeholder until the plugin lands: answers VERSION; every other verb fails with a clear error.
pluginMain({ name: 'portmap', handlers: {} });
