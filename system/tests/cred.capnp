# Focused boot manifest of the CredentialStore tests (tests/qemu/cred_tests.py): the
# real user/init starts user/credstore (its endpoint exported as CredentialStore, the
# kernel EntropySource for salts, VirtualMemory for Argon2's working memory) and
# user/credtest, which imports the store's facet and drives every case; init waits for
# the client and then ends the store.
#   capnp eval --binary -I. system/tests/cred.capnp cred

@0xe3a1c5d7b9f20468;

using M = import "/schema/manifest.capnp";

const cred :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [(name = "init"), (name = "credstore"), (name = "credtest")],
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
      ( name = "credstore",
        process = (
          binary = "credstore",
          profile = "credstore",
          caps = [
            (name = "console", interface = "Console", source = (kernel = console)),
            (name = "api", interface = "Endpoint", source = (kernel = endpoint)),
            (name = "entropy", interface = "EntropySource", source = (kernel = entropySource)),
            (name = "vm", interface = "VirtualMemory", source = (kernel = virtualMemory)),
          ],
        ),
        exports = [(name = "api", interface = "CredentialStore", cap = "api")],
        restart = ignore ),
      ( name = "credtest",
        process = (
          binary = "credtest",
          caps = [
            (name = "console", interface = "Console", source = (kernel = console)),
            (name = "cred", interface = "CredentialStore",
             source = (service = (service = "credstore", export = "api"))),
            (name = "timer", interface = "Timer", source = (kernel = timer)),
          ],
        ),
        restart = wait ),
    ],
  ),
  kernelParams = (logLevel = info, timerHz = 100),
  resourceProfiles = [
    (name = "default", capSlots = 64, framePages = 1024),
    # Argon2id's 12 MiB (3072 pages) during a call, plus the program and its heap.
    (name = "credstore", capSlots = 64, framePages = 4096),
  ],
);
