import { pluginMain } from '../../lib/cni/index.ts';
import { processIo } from '../../lib/sys/index.ts';
import { add, check, del } from './handlers.ts';

// One executable, two roles (as Go's): `dhcp daemon ...` is the long-lived lease holder,
// anything else the plugin a runtime runs. The daemon's module is loaded only for that role.
const daemonAt = process.argv.indexOf('daemon', 1);
if (daemonAt >= 1 && daemonAt <= 2 && !process.env.CNI_COMMAND) {
  void import('./daemon.ts').then(({ runDaemon }) =>
    runDaemon(process.argv.slice(daemonAt + 1)).then(
      (code) => process.exit(code),
      (e: unknown) => {
        process.stderr.write(`dhcp daemon: ${(e as Error)?.stack ?? String(e)}\n`);
        process.exit(1);
      },
    ),
  );
} else {
  pluginMain({ name: 'dhcp', handlers: { add, del, check } }, processIo());
}
