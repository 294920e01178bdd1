# The capOS boot manifest: the whole boot-time authority graph as one typed value.
#
# A system is written in the Cap'n Proto language as a `const` of type SystemManifest
# and compiled to binary with the official tool (`capnp eval --binary`), so field names,
# types and enums are checked by the compiler. tools/mkmanifest embeds the binaries and
# validates the graph; the kernel validates only what it needs to start init; init
# reads the manifest through BootPackage, validates it again and executes the graph.

@0x8de162221e657246;

using Capos = import "capos.capnp";

const currentSchemaVersion :UInt32 = 1;
# The version this schema describes; decoders refuse other versions.

struct SystemManifest {
  schemaVersion @0 :UInt32;
  # Must equal `currentSchemaVersion`.
  binaries @1 :List(Binary);
  # Every executable the system can spawn, by unique name.
  initConfig @2 :InitConfig;
  # The first process and the service graph it executes.
  kernelParams @3 :KernelParams;
  # Values for the kernel itself.
  resourceProfiles @4 :List(ResourceProfile);
  # Named quota templates; processes reference them by name.
}

struct Binary {
  # One packaged executable (static ELF64).
  name @0 :Text;
  # Unique name used by ProcessSpawner.spawn and service entries.
  image @1 :Data;
  # The ELF image; empty in source manifests, filled in by mkmanifest.
  path @2 :Text;
  # Build-tree path mkmanifest reads the image from (cleared once embedded).
}

struct InitConfig {
  init @0 :ProcessEntry;
  # The only process the kernel starts.
  services @1 :List(Service);
  # Started by init in list order; an import may only name an earlier export.
}

struct ProcessEntry {
  # What a process is started with.
  binary @0 :Text;
  # Name of an entry in SystemManifest.binaries.
  caps @1 :List(CapEntry);
  # Exactly the capabilities the process holds at start.
  profile @2 :Text;
  # Name of a ResourceProfile; empty means the profile named "default".
}

enum RestartPolicy {
  # What init does when a service exits.
  wait @0;
  # Wait for it; its exit status is recorded.
  restart @1;
  # Restart it, at most `restartBudget` times.
  ignore @2;
  # Do not wait.
}

struct Service {
  # One node of the service graph.
  name @0 :Text;
  # Unique service name (also the process name).
  process @1 :ProcessEntry;
  exports @2 :List(Export);
  # Endpoints this service offers to later services.
  restart @3 :RestartPolicy;
  restartBudget @4 :UInt32 = 3;
  # Maximum restarts under `restart`.
  badge @5 :UInt64;
  # Legacy receiver metadata carried on calls from this service; never authority.
}

struct CapEntry {
  # One named capability in a process's CapSet.
  name @0 :Text;
  # The child-visible name (unique within one process entry).
  interface @1 :Text;
  # Declared interface name (e.g. "Console"); checked against the source's interface id
  # through the table capnpc-c generates, never against a hand-written id.
  mode @2 :Capos.TransferMode;
  source :union {
    kernel @3 :Capos.KernelCapSource;
    # A kernel object (singleton or fresh, per source).
    service :group {
      # The export `export` of the earlier service `service`, as a client facet.
      service @4 :Text;
      export @5 :Text;
    }
    boot @6 :Text;
    # A platform device or store named by the kernel (e.g. "blockDevice").
  }
}

struct Export {
  # A capability a service offers; importers receive a CALL-only client facet.
  name @0 :Text;
  # Export name, unique within the service.
  interface @1 :Text;
  # Interface served on the endpoint (checked against importers' declarations).
  cap @2 :Text;
  # Name of the CapEntry (of kind endpoint) in the service's own caps that is exported.
}

struct KernelParams {
  motd @0 :Text;
  # Message of the day printed by shells.
  logLevel @1 :LogLevel = info;
  # Kernel log verbosity.
  timerHz @2 :UInt32 = 100;
  # Scheduler tick (where the kernel is not tickless).
  maxCpus @3 :UInt32;
  # Upper bound on CPUs started; 0 means every CPU the firmware lists.

  enum LogLevel {
    error @0;
    warn @1;
    info @2;
    debug @3;
  }
}

struct ResourceProfile {
  # A quota template (policy, not authority). Every charge a process makes the kernel
  # spend is bounded by its profile; the kernel's own limits clamp these values.
  name @0 :Text;
  capSlots @1 :UInt32 = 256;
  # Capability table slots.
  framePages @2 :UInt64 = 4096;
  # Physical frames (4 KiB pages) held through mappings and MemoryObjects.
  virtualBytes @3 :UInt64 = 0x40000000;
  # Address space reserved with VirtualMemory.
  ringScratchBytes @4 :UInt32 = 65536;
  # Kernel scratch for decoding params per ring drain.
  outstandingCalls @5 :UInt32 = 64;
  # Calls in flight from this process.
  endpointQueueDepth @6 :UInt32 = 64;
  # Queued calls per endpoint the process owns.
  endpointInFlight @7 :UInt32 = 16;
  # Received-but-unanswered calls per endpoint the process owns.
  childProcesses @8 :UInt32 = 16;
  threads @9 :UInt32 = 16;
  maxWeight @10 :UInt32 = 16;
  # Highest scheduling weight SchedulingPolicy may set.
  kernelBytes @11 :UInt64 = 1048576;
  # Kernel heap bytes the kernel may allocate on the process's behalf (objects, tables).
}
