# A SystemManifest written in the Cap'n Proto language, the way system manifests are
# (compiled by the official tool with `capnp eval --binary`). The capnpc-c interop test
# checks that helper.c's `build-manifest`, which uses only generated setters, encodes
# exactly this value (canonical comparison), and that `dump-manifest`, which uses only
# generated getters, decodes the compiler's binary to sample_manifest.dump.

@0xd3a1f0c2b9e84a57;

using M = import "/schema/manifest.capnp";

const built :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [
    (name = "init", image = 0x"7f 45 4c 46"),
    (name = "echo-server", path = "build/user/echo-server"),
  ],
  initConfig = (
    init = (
      binary = "init",
      caps = [(name = "boot", interface = "BootPackage", source = (kernel = bootPackage))],
    ),
    services = [
      ( name = "echo",
        process = (
          binary = "echo-server",
          caps = [
            (name = "console", interface = "Console", source = (kernel = console)),
            (name = "ep", interface = "Endpoint", source = (kernel = endpoint)),
          ],
        ),
        exports = [(name = "echo", interface = "Echo", cap = "ep")],
        restart = restart,
      ),
      ( name = "client",
        process = (
          binary = "echo-client",
          profile = "small",
          caps = [
            ( name = "echo", interface = "Echo", mode = clientFacet,
              source = (service = (service = "echo", export = "echo")) ),
          ],
        ),
        restartBudget = 0,
        badge = 0x1122334455667788,
      ),
    ],
  ),
  kernelParams = (motd = "welcome to capOS", logLevel = debug, maxCpus = 4),
  resourceProfiles = [(name = "small", capSlots = 32, framePages = 256)],
);
