# Focused boot manifest of the TerminalSession tests (tests/qemu/term_tests.py): init is
# user/termtest, holding the terminal twice (one copy is released by the stale-cap
# test), a Timer and a ProcessSpawner (its children are termtest again, granted a
# terminal as "tread" or "tquit").
#   capnp eval --binary -I. system/tests/term.capnp term

@0xc7111fa51dd15cda;

using M = import "/schema/manifest.capnp";

const term :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [
    (name = "termtest"),
  ],
  initConfig = (
    init = (
      binary = "termtest",
      caps = [
        (name = "terminal", interface = "TerminalSession", source = (kernel = terminal)),
        (name = "terminal2", interface = "TerminalSession", source = (kernel = terminal)),
        (name = "timer", interface = "Timer", source = (kernel = timer)),
        (name = "spawner", interface = "ProcessSpawner", source = (kernel = processSpawner)),
      ],
    ),
  ),
  kernelParams = (logLevel = info, timerHz = 100),
  resourceProfiles = [(name = "default")],
);
