# Focused boot manifest of init's executor (user/init/exec.c), booted by
# tests/qemu/exec_tests.py: init is the real user/init holding a ProcessSpawner; the
# services are the tiny test binaries of user/graphsvc.
# Hostile: "starved" names a profile of 16 frames, too small to load its image, so its
# spawn fails at run time (the manifest is valid): init names the service and the typed
# error, kills "server" (already running) and exits 5.

@0xc1f3a2b4d5e60714;

using M = import "/schema/manifest.capnp";

const execspawnfail :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [(name = "init"), (name = "graphsrv"), (name = "graphfail")],
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
      ( name = "starved",
        process = (
          binary = "graphfail",
          profile = "starved",
          caps = [(name = "console", interface = "Console", source = (kernel = console))],
        ),
        restart = wait ),
    ],
  ),
  kernelParams = (logLevel = info, timerHz = 100),
  resourceProfiles = [(name = "default", capSlots = 64, framePages = 1024), (name = "starved", capSlots = 8, framePages = 16)],
);
