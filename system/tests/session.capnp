# The session services (docs/sessions.md) under init's executor, with user/sesstest
# playing the shell: audit (AuditLog + AuditReader, two endpoints), sysinfo (over the
# kernel SystemStatus), credstore (Argon2id, docs/credentials.md), broker (the policy
# is its CapSet: `<profile>.<name>` entries), sessmgr (SessionManager + UserSession,
# with the store and the kernel EntropySource) and echo as a service a bundle can hold. sesstest imports only the SessionManager
# (as terminal 7: its service badge) and the AuditReader, like a shell. Judged by
# tests/qemu/session_tests.py.

@0xba9aa4a807b547d0;

using M = import "/schema/manifest.capnp";

const session :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [(name = "init"), (name = "echo"), (name = "audit"), (name = "sysinfo"),
              (name = "credstore"), (name = "broker"),
              (name = "sessmgr"), (name = "sesstest"), (name = "sesschild")],
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
      ( name = "echo",
        process = (binary = "echo", caps = [
          (name = "console", interface = "Console", source = (kernel = console)),
          (name = "api", interface = "Endpoint", source = (kernel = endpoint)) ]),
        exports = [(name = "api", interface = "Echo", cap = "api")],
        restart = ignore ),
      ( name = "audit",
        process = (binary = "audit", caps = [
          (name = "console", interface = "Console", source = (kernel = console)),
          (name = "timer", interface = "Timer", source = (kernel = timer)),
          (name = "log", interface = "Endpoint", source = (kernel = endpoint)),
          (name = "read", interface = "Endpoint", source = (kernel = endpoint)) ]),
        exports = [(name = "log", interface = "AuditLog", cap = "log"),
                   (name = "read", interface = "AuditReader", cap = "read")],
        restart = ignore ),
      ( name = "sysinfo",
        process = (binary = "sysinfo", caps = [
          (name = "console", interface = "Console", source = (kernel = console)),
          (name = "status", interface = "SystemStatus", source = (kernel = systemStatus)),
          (name = "api", interface = "Endpoint", source = (kernel = endpoint)) ]),
        exports = [(name = "api", interface = "SystemInfo", cap = "api")],
        restart = ignore ),
      # user/credstore (docs/credentials.md): Argon2id verifiers, salts from the kernel
      # EntropySource, Argon2's working memory from its heap.
      ( name = "credstore",
        process = (binary = "credstore", profile = "credstore", caps = [
          (name = "console", interface = "Console", source = (kernel = console)),
          (name = "api", interface = "Endpoint", source = (kernel = endpoint)),
          (name = "entropy", interface = "EntropySource", source = (kernel = entropySource)),
          (name = "vm", interface = "VirtualMemory", source = (kernel = virtualMemory)) ]),
        exports = [(name = "api", interface = "CredentialStore", cap = "api")],
        restart = ignore ),
      # The policy: anonymous gets a clock, guest a clock and echo, operator those, a
      # console and SystemInfo. Every other entry is the broker's own.
      ( name = "broker",
        process = (binary = "broker", caps = [
          (name = "console", interface = "Console", source = (kernel = console)),
          (name = "capmgr", interface = "CapabilityManager",
           source = (kernel = capabilityManager)),
          (name = "api", interface = "Endpoint", source = (kernel = endpoint)),
          (name = "anonymous.timer", interface = "Timer", source = (kernel = timer)),
          (name = "guest.timer", interface = "Timer", source = (kernel = timer)),
          (name = "guest.echo", interface = "Echo",
           source = (service = (service = "echo", export = "api"))),
          (name = "operator.timer", interface = "Timer", source = (kernel = timer)),
          (name = "operator.echo", interface = "Echo",
           source = (service = (service = "echo", export = "api"))),
          (name = "operator.console", interface = "Console", source = (kernel = console)),
          (name = "operator.sysinfo", interface = "SystemInfo",
           source = (service = (service = "sysinfo", export = "api"))) ]),
        exports = [(name = "api", interface = "AuthorityBroker", cap = "api")],
        restart = ignore ),
      ( name = "sessmgr",
        process = (binary = "sessmgr", caps = [
          (name = "console", interface = "Console", source = (kernel = console)),
          (name = "timer", interface = "Timer", source = (kernel = timer)),
          (name = "api", interface = "Endpoint", source = (kernel = endpoint)),
          (name = "broker", interface = "AuthorityBroker",
           source = (service = (service = "broker", export = "api"))),
          (name = "audit", interface = "AuditLog",
           source = (service = (service = "audit", export = "log"))),
          (name = "creds", interface = "CredentialStore",
           source = (service = (service = "credstore", export = "api"))),
          (name = "entropy", interface = "EntropySource", source = (kernel = entropySource)) ]),
        exports = [(name = "api", interface = "SessionManager", cap = "api")],
        restart = ignore ),
      ( name = "sesstest",
        process = (binary = "sesstest", caps = [
          (name = "console", interface = "Console", source = (kernel = console)),
          (name = "timer", interface = "Timer", source = (kernel = timer)),
          (name = "sessions", interface = "SessionManager",
           source = (service = (service = "sessmgr", export = "api"))),
          (name = "auditread", interface = "AuditReader",
           source = (service = (service = "audit", export = "read"))),
          # To spawn user/sesschild with a copy of a bundle cap and an Echo facet of
          # `ep` (tests that revocation reaches a copy in another process).
          (name = "spawner", interface = "ProcessSpawner", source = (kernel = processSpawner)),
          (name = "ep", interface = "Endpoint", source = (kernel = endpoint)) ]),
        # Exported only so the spawn names the facet's interface (init keeps the facet).
        exports = [(name = "ep", interface = "Echo", cap = "ep")],
        badge = 7,
        restart = wait ),
    ],
  ),
  kernelParams = (logLevel = info, timerHz = 100),
  resourceProfiles = [
    (name = "default"),
    # Argon2id's 12 MiB (3072 pages) during a call, plus the program and its heap.
    (name = "credstore", capSlots = 64, framePages = 4096),
  ],
);
