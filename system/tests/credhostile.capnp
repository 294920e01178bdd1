# Focused boot manifest of the CredentialStore hostile test (tests/qemu/cred_tests.py
# "cred-hostile"): the real user/init starts user/credrng (a scripted EntropySource
# double, exported as EntropySource), user/credstore in a 1024-frame profile (too small
# for Argon2's 12 MiB) taking its salts from credrng, and user/credhostile, which
# imports the store's facet. This manifest is a test only: a system manifest grants the
# store the kernel's entropySource (system/tests/cred.capnp).
#   capnp eval --binary -I. system/tests/credhostile.capnp credhostile

@0xf4b2d6e8c0a13579;

using M = import "/schema/manifest.capnp";

const credhostile :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [(name = "init"), (name = "credrng"), (name = "credstore"),
              (name = "credhostile")],
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
      ( name = "credrng",
        process = (
          binary = "credrng",
          caps = [
            (name = "console", interface = "Console", source = (kernel = console)),
            (name = "api", interface = "Endpoint", source = (kernel = endpoint)),
          ],
        ),
        exports = [(name = "api", interface = "EntropySource", cap = "api")],
        restart = ignore ),
      ( name = "credstore",
        process = (
          binary = "credstore",
          profile = "starved",
          caps = [
            (name = "console", interface = "Console", source = (kernel = console)),
            (name = "api", interface = "Endpoint", source = (kernel = endpoint)),
            (name = "entropy", interface = "EntropySource",
             source = (service = (service = "credrng", export = "api"))),
            (name = "vm", interface = "VirtualMemory", source = (kernel = virtualMemory)),
          ],
        ),
        exports = [(name = "api", interface = "CredentialStore", cap = "api")],
        restart = ignore ),
      ( name = "credhostile",
        process = (
          binary = "credhostile",
          caps = [
            (name = "console", interface = "Console", source = (kernel = console)),
            (name = "cred", interface = "CredentialStore",
             source = (service = (service = "credstore", export = "api"))),
          ],
        ),
        restart = wait ),
    ],
  ),
  kernelParams = (logLevel = info, timerHz = 100),
  resourceProfiles = [
    (name = "default", capSlots = 64, framePages = 1024),
    # Enough for the program and its start-up, not for Argon2's 3072 frames.
    (name = "starved", capSlots = 64, framePages = 1024),
  ],
);
