# Focused boot manifest of init's executor (user/init/exec.c), booted by
# tests/qemu/exec_tests.py: init is the real user/init holding a ProcessSpawner; the
# services are the tiny test binaries of user/graphsvc.
# Hostile: the positive graph, but init holds no ProcessSpawner: the first service
# cannot start (CAPOS_ERR_NOT_FOUND, named), nothing runs, init exits 5.

@0xc1f3a2b4d5e60716;

using M = import "/schema/manifest.capnp";

const execnospawner :M.SystemManifest = (
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
