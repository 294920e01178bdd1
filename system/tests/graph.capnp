# A focused test manifest beside the default system: a three-service graph that uses
# every kind of edge the validator checks (kernel sources, an export per service, an
# import of each earlier export, a restart policy with a budget, a resource profile).
# Services reuse kernel interfaces as the interfaces they serve (a console multiplexer
# serving Console, a clock serving Timer) so the graph is checkable today; the binaries
# are named only (tests embed init.elf for each with `mkmanifest -b`).
# Checked by tests/host/mgraph (valid, resolved references) and
# tests/host/manifest/mkmanifest_test.py (the tool writes it).

@0x88ffec777d31a9f5;

using M = import "/schema/manifest.capnp";

const graph :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [(name = "init"), (name = "log"), (name = "clock"), (name = "app")],
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
      ( name = "log",
        process = (
          binary = "log",
          caps = [
            (name = "console", interface = "Console", source = (kernel = console)),
            (name = "ep", interface = "Endpoint", source = (kernel = endpoint)),
          ],
        ),
        exports = [(name = "out", interface = "Console", cap = "ep")],
        restart = restart, restartBudget = 5 ),
      ( name = "clock",
        process = (
          binary = "clock",
          profile = "small",
          caps = [
            (name = "timer", interface = "Timer", source = (kernel = timer)),
            (name = "log", interface = "Console",
             source = (service = (service = "log", export = "out"))),
            (name = "ep", interface = "Endpoint", source = (kernel = endpoint)),
          ],
        ),
        exports = [(name = "time", interface = "Timer", cap = "ep")] ),
      ( name = "app",
        process = (
          binary = "app",
          caps = [
            (name = "log", interface = "Console", mode = clientFacet,
             source = (service = (service = "log", export = "out"))),
            (name = "clock", interface = "Timer",
             source = (service = (service = "clock", export = "time"))),
            (name = "vm", interface = "VirtualMemory", source = (kernel = virtualMemory)),
          ],
        ),
        restart = wait, badge = 7 ),
    ],
  ),
  kernelParams = (motd = "graph test", logLevel = info, timerHz = 100),
  resourceProfiles = [(name = "default"), (name = "small", capSlots = 32, threads = 2)],
);
