# Focused boot manifest of init's executor (user/init/exec.c), booted by
# tests/qemu/exec_tests.py: init is the real user/init holding a ProcessSpawner; the
# services are the tiny test binaries of user/graphsvc.
# Restart on a kill: "crasher" dies of a page fault on every run; under `restart` with
# restartBudget 1 it runs twice (one restart), then init reports the budget spent and
# exits 4.

@0xc1f3a2b4d5e60717;

using M = import "/schema/manifest.capnp";

const execrestartkill :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [(name = "init"), (name = "graphfault")],
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
      ( name = "crasher",
        process = (
          binary = "graphfault",
          caps = [(name = "console", interface = "Console", source = (kernel = console))],
        ),
        restart = restart, restartBudget = 1 ),
    ],
  ),
  kernelParams = (logLevel = info, timerHz = 100),
  resourceProfiles = [(name = "default", capSlots = 64, framePages = 1024)],
);
