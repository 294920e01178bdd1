# Focused boot manifest of init's executor (user/init/exec.c), booted by
# tests/qemu/exec_tests.py: init is the real user/init holding a ProcessSpawner; the
# services are the tiny test binaries of user/graphsvc.
# Positive graph: "server" exports its endpoint as Console, "client" (badge 42) imports
# it and calls it once: the server sees badge 42 in the RECV; both are waited for and
# exit 0, so init exits 0.

@0xc1f3a2b4d5e60711;

using M = import "/schema/manifest.capnp";

const execgraph :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [(name = "init"), (name = "graphsrv"), (name = "graphcli")],
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
      ( name = "server",
        process = (
          binary = "graphsrv",
          caps = [
            (name = "console", interface = "Console", source = (kernel = console)),
            (name = "serve", interface = "Endpoint", source = (kernel = endpoint)),
          ],
        ),
        exports = [(name = "out", interface = "Console", cap = "serve")],
        restart = wait ),
      ( name = "client",
        badge = 42,
        process = (
          binary = "graphcli",
          caps = [
            (name = "console", interface = "Console", source = (kernel = console)),
            (name = "peer", interface = "Console",
             source = (service = (service = "server", export = "out"))),
          ],
        ),
        restart = wait ),
    ],
  ),
  kernelParams = (logLevel = info, timerHz = 100),
  resourceProfiles = [(name = "default", capSlots = 64, framePages = 1024)],
);
