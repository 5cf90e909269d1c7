/** The text of `cnitool --help`. */
export const HELP = `cnitool: run CNI network configurations by hand (a TypeScript port of Go's cnitool)

Usage:
  cnitool add    <network> <netns-path> [-i IFNAME]   ADD; prints the result (JSON, as Go's cnitool)
  cnitool check  <network> <netns-path> [-i IFNAME]   CHECK (spec 0.4.0+; skipped with disableCheck)
  cnitool del    <network> <netns-path> [-i IFNAME]   DEL, plugins in reverse order
  cnitool gc     <network> [<netns-path>]             DEL every cached attachment of the network,
                                                      then GC every plugin (spec 1.1.0+)
  cnitool status <network> [<netns-path>]             STATUS every plugin (spec 1.1.0+)
  cnitool validate <network>                          check the plugins exist and support the version
  cnitool list                                        networks found in NETCONFPATH
  cnitool inspect [<network>]                         cached attachments, host-local reservations,
                                                      port mappings and firewall backend per network
  cnitool doctor [--fix [--for-downgrade]] [<network>]
                                                      what no cached attachment explains: veths,
                                                      reservations, state records, iptables chains,
                                                      nft rules, cache entries whose netns is gone;
                                                      --fix removes them (GC with the cached
                                                      attachments as valid, then directly)
  cnitool version [<plugin-type>...]                  supported spec versions (or each plugin's)
  cnitool help | --help | -h

Flags (anywhere on the line):
  -i, --ifname NAME   interface name in the container (default: $CNI_IFNAME, else eth0)
  --json              machine-readable output for list, validate, version, inspect and doctor
                      (inspect and doctor: {"version":1,...}; see README)
  --fix               doctor: remove what it finds; never what a cached attachment explains
  --for-downgrade     doctor --fix: also remove what only this implementation leaves and Go's
                      plugins do not know (host-local index files, the portmap localnet guard,
                      portmap/firewall state directories) when no cached attachment needs it
  --human             human-readable output: a summary instead of JSON for add, and a
                      confirmation line for check, del, gc and status

Environment:
  NETCONFPATH     directory of network configurations (default /etc/cni/net.d); .conflist files
                  first, then legacy .conf/.json files, each set in name order
  CNI_PATH        ":"-separated directories searched for plugin executables
  CNI_ARGS        "K=V;K=V" passed to plugins (empty keys or values are rejected)
  CAP_ARGS        JSON object of capability arguments, e.g. '{"portMappings":[...]}'
  CNI_IFNAME      default interface name
  CNI_CACHE_DIR   result cache root (default /var/lib/cni; an extension of this port)

The container ID is "cnitool-" + the hex of the first 10 bytes of the SHA-512 of the absolute
netns path, as in Go's cnitool, so add, check and del of one path refer to one attachment.
The netns path is passed to plugins as given (made absolute); cnitool does not create it.

Exit status: 0 success, 1 the operation failed (plugin error, configuration or cache problem;
the error is printed on stderr with its CNI error code), 2 usage error. doctor: 0 nothing found
(with --fix: nothing left), 1 something found (with --fix: something left or a removal failed),
2 usage or configuration problem (no such directory, no usable network, unknown network), as
for inspect.
`;
