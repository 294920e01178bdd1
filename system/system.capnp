# The default capOS system: the whole boot-time authority graph as one typed constant,
# compiled by the official tool (`capnp eval --binary -I. system/system.capnp system`)
# and turned into the boot module by tools/mkmanifest, which merges the operator overlay
# system/system.local.capnp when it exists (docs/manifest.md "Overlays") and validates
# the graph before writing build/manifest.bin.
#
# init is the only process the kernel starts; it reads this manifest back through
# BootPackage, validates it again, starts `services` in order through its ProcessSpawner
# and supervises them per restart policy (user/init/exec.c, docs/manifest.md "Executing
# the graph"). The services are the demo graph of issue 5 (docs/demo.md).

@0xa34f42275b1842c9;

using M = import "/schema/manifest.capnp";

const system :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [
    (name = "init"),
    (name = "echo"),
    (name = "kv"),
    (name = "democlient"),
    # Images come from build/user/<name>.elf (mkmanifest -d build/user).
  ],
  initConfig = (
    init = (
      binary = "init",
      caps = [
        (name = "console", interface = "Console", source = (kernel = console)),
        (name = "timer", interface = "Timer", source = (kernel = timer)),
        (name = "vm", interface = "VirtualMemory", source = (kernel = virtualMemory)),
        (name = "boot", interface = "BootPackage", source = (kernel = bootPackage)),
        (name = "spawner", interface = "ProcessSpawner", source = (kernel = processSpawner)),
      ],
    ),
    services = [
      # The demo graph (docs/demo.md): two servers, each exporting the client facet of
      # a fresh endpoint, and a client importing both that hands the store a Notifier
      # facet of its own endpoint over IPC. The servers run until init ends the graph
      # (`ignore`: killed when the graph is done); the client is waited for.
      ( name = "echo",
        process = (
          binary = "echo",
          caps = [
            (name = "console", interface = "Console", source = (kernel = console)),
            (name = "api", interface = "Endpoint", source = (kernel = endpoint)),
          ],
        ),
        exports = [(name = "api", interface = "Echo", cap = "api")],
        restart = ignore ),
      ( name = "kv",
        process = (
          binary = "kv",
          caps = [
            (name = "console", interface = "Console", source = (kernel = console)),
            (name = "api", interface = "Endpoint", source = (kernel = endpoint)),
          ],
        ),
        exports = [(name = "api", interface = "KeyValue", cap = "api")],
        restart = ignore ),
      ( name = "democlient",
        process = (
          binary = "democlient",
          caps = [
            (name = "console", interface = "Console", source = (kernel = console)),
            (name = "echo", interface = "Echo",
             source = (service = (service = "echo", export = "api"))),
            (name = "kv", interface = "KeyValue",
             source = (service = (service = "kv", export = "api"))),
            (name = "notify", interface = "Endpoint", source = (kernel = endpoint)),
          ],
        ),
        # Exported only so the spawn names the facet's interface (init keeps the facet).
        exports = [(name = "notify", interface = "Notifier", cap = "notify")],
        restart = wait ),
    ],
  ),
  kernelParams = (logLevel = info, timerHz = 100),
  resourceProfiles = [
    (name = "default"),
    # Schema defaults; a process whose `profile` is empty uses the one named "default".
  ],
);
