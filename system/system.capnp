# The default capOS system, what `make run` boots: the whole boot-time authority graph as
# one typed constant, compiled by the official tool (`capnp eval --binary -I.
# system/system.capnp system`) and turned into the boot module by tools/mkmanifest, which
# merges the operator overlay system/system.local.capnp when it exists (docs/manifest.md
# "Overlays") and validates the graph before writing build/manifest.bin.
#
# init starts the session services and capos-shell on the user terminal (COM2): demo
# services echo and kv, audit, credstore, sysinfo, broker, sessmgr (docs/sessions.md,
# docs/credentials.md), then the shell (docs/shell.md), which starts anonymous. The
# broker's policy is its own `<profile>.<name>` caps: anonymous a clock; guest a clock
# and the echo service; operator those, kv, the audit reader, the `launcher`
# (ProcessSpawner over this manifest's binaries: hello, upper, spin, ...), SystemInfo,
# SystemControl (shutdown) and a console. The shell is waited for: when it exits (`exit`,
# Ctrl-D at the prompt) init ends the graph and the machine shuts down cleanly.

@0xa34f42275b1842c9;

using M = import "/schema/manifest.capnp";

const system :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [(name = "init"), (name = "echo"), (name = "audit"), (name = "credstore"),
              (name = "sysinfo"), (name = "broker"), (name = "sessmgr"), (name = "shell"),
              (name = "kv"), (name = "hello"), (name = "upper"), (name = "spin")],
  # Images come from build/user/<name>.elf (mkmanifest -d build/user).
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
          (name = "api", interface = "Endpoint", source = (kernel = endpoint)) ]),
        exports = [(name = "api", interface = "Echo", cap = "api")],
        restart = ignore ),
      ( name = "kv",
        process = (binary = "kv", caps = [
          (name = "api", interface = "Endpoint", source = (kernel = endpoint)) ]),
        exports = [(name = "api", interface = "KeyValue", cap = "api")],
        restart = ignore ),
      ( name = "audit",
        process = (binary = "audit", caps = [
          (name = "timer", interface = "Timer", source = (kernel = timer)),
          (name = "log", interface = "Endpoint", source = (kernel = endpoint)),
          (name = "read", interface = "Endpoint", source = (kernel = endpoint)) ]),
        exports = [(name = "log", interface = "AuditLog", cap = "log"),
                   (name = "read", interface = "AuditReader", cap = "read")],
        restart = ignore ),
      ( name = "credstore",
        process = (binary = "credstore", profile = "credstore", caps = [
          (name = "api", interface = "Endpoint", source = (kernel = endpoint)),
          (name = "entropy", interface = "EntropySource", source = (kernel = entropySource)),
          (name = "vm", interface = "VirtualMemory", source = (kernel = virtualMemory)) ]),
        exports = [(name = "api", interface = "CredentialStore", cap = "api")],
        restart = ignore ),
      ( name = "sysinfo",
        process = (binary = "sysinfo", caps = [
          (name = "status", interface = "SystemStatus", source = (kernel = systemStatus)),
          (name = "api", interface = "Endpoint", source = (kernel = endpoint)) ]),
        exports = [(name = "api", interface = "SystemInfo", cap = "api")],
        restart = ignore ),
      ( name = "broker",
        process = (binary = "broker", caps = [
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
          (name = "operator.kv", interface = "KeyValue",
           source = (service = (service = "kv", export = "api"))),
          (name = "operator.audit", interface = "AuditReader",
           source = (service = (service = "audit", export = "read"))),
          (name = "operator.launcher", interface = "ProcessSpawner",
           source = (kernel = processSpawner)),
          (name = "operator.sysinfo", interface = "SystemInfo",
           source = (service = (service = "sysinfo", export = "api"))),
          (name = "operator.control", interface = "SystemControl",
           source = (kernel = systemControl)),
          (name = "operator.console", interface = "Console", source = (kernel = console)) ]),
        exports = [(name = "api", interface = "AuthorityBroker", cap = "api")],
        restart = ignore ),
      ( name = "sessmgr",
        process = (binary = "sessmgr", caps = [
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
      ( name = "shell",
        process = (binary = "shell", caps = [
          (name = "terminal", interface = "TerminalSession", source = (kernel = terminal)),
          (name = "sessions", interface = "SessionManager",
           source = (service = (service = "sessmgr", export = "api"))),
          (name = "stdio", interface = "Endpoint", source = (kernel = endpoint)),
          (name = "capmgr", interface = "CapabilityManager",
           source = (kernel = capabilityManager)) ]),
        # A fresh endpoint is granted as the interface an export serves on it (init
        # keeps that facet and uses it for nothing).
        exports = [(name = "stdio", interface = "StdIO", cap = "stdio")],
        badge = 1,
        restart = wait ),
    ],
  ),
  kernelParams = (logLevel = info, timerHz = 100, motd = "Welcome to capOS. Type help; setup creates the operator, login starts a session."),
  resourceProfiles = [
    (name = "default"),
    # Argon2id's 12 MiB (3072 pages) during a call, plus the program and its heap.
    (name = "credstore", capSlots = 64, framePages = 4096),
  ],
);
