# The demo graph of issue 5 (docs/demo.md) as a whole system: echo and kv serve, democlient
# calls both and exits, init ends the graph and the machine shuts down by itself. It was
# the default system until the shell (issue 7); it is now the module the boot, init,
# memory and platform suites boot by default (build/demo.manifest.bin, the harness's
# default module, tests/qemu/boot.mk), because they need a run that ends on its own.
#   capnp eval --binary -I. system/demo.capnp demo
#
# init is the only process the kernel starts; it reads this manifest back through
# BootPackage, validates it again, starts `services` in order through its ProcessSpawner
# and supervises them per restart policy (user/init/exec.c, docs/manifest.md "Executing
# the graph").

@0xd0c8d6b1a3e2f405;

using M = import "/schema/manifest.capnp";

const demo :M.SystemManifest = (
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
