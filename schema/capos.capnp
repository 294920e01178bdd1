# capOS kernel interfaces: the first capability objects every process can be granted.
#
# This file is ABI. Interface ids are the 64-bit type ids the official `capnp` compiler
# assigns (derived from this file's id and the declaration names); nobody writes them by
# hand: C code takes them from the header tools/capnpc-c generates into build/gen/.
# Method ids are the ordinals (@N). Adding a method or a field at the end is compatible;
# renaming a type changes its id; renumbering or retyping breaks every client.
#
# Errors travel in three layers (docs/abi.md): transport errors in the completion entry,
# a `CapException` for application failures, and each method's own result fields for
# domain outcomes. Memory, frame, slot and call charges are checked against the caller's
# ResourceProfile (manifest.capnp) before any side effect.

@0xa93123f6d414a533;

# ---------------------------------------------------------------------------------------
# Shared structures

enum ExceptionType {
  # Why a call failed, as reported by the object (or by the kernel on its behalf).
  failed @0;
  # Generic failure: the object tried and could not do it; retrying will not help.
  overloaded @1;
  # A bounded queue or quota of the callee is full; retry later may succeed.
  disconnected @2;
  # The object is gone (its owner exited or it was revoked); the cap is dead.
  unimplemented @3;
  # The object does not implement this method ordinal (or this interface).
  invalidArgument @4;
  # The params decoded but a value is outside the method's domain.
}

struct CapException {
  # The payload of a RETURN that failed at the application layer.
  type @0 :ExceptionType;
  # Which kind of failure; callers branch on this, never on `reason`.
  reason @1 :Text;
  # Human-readable detail for logs; bounded by the transport, may be empty.
  status @2 :Int32;
  # The capOS status code (include/capos/error.h) behind the failure, 0 if none.
}

struct Protection {
  # Page permissions for a mapping. The kernel refuses write together with execute (W^X).
  read @0 :Bool = true;
  write @1 :Bool;
  execute @2 :Bool;
}

enum TransferMode {
  # How a capability moves from one table to another.
  copy @0;
  # The sender keeps its cap; the receiver gets another reference to the same object.
  move @1;
  # The sender's slot is released atomically with the receiver's insertion.
  clientFacet @2;
  # The receiver gets a CALL-only facet of an endpoint the sender owns.
}

enum KernelCapSource {
  # Kernel objects a spawn grant or a manifest entry can create fresh for a child.
  none @0;
  # Not a kernel source (the grant names a held cap or a service export instead).
  console @1;
  timer @2;
  virtualMemory @3;
  # The child's own address space.
  frameAllocator @4;
  capabilityManager @5;
  # Introspection of the child's own table.
  endpoint @6;
  # A fresh endpoint owned by the child; the parent receives its client facet.
  threadSpawner @7;
  # Threads in the child's own process.
  threadControl @8;
  # The calling thread's own control (exit, FS base).
  parkSpace @9;
  # The child's private park (futex) space.
  bootPackage @10;
  # Read access to the boot manifest (init only).
  processSpawner @11;
  # Spawning packaged binaries (init and supervisors only).
  terminal @12;
  # The user terminal (COM2) as a TerminalSession; one object, one reader at a time.
  entropySource @13;
  # The kernel CSPRNG.
  systemControl @14;
  # Machine-wide control (shutdown).
  systemStatus @15;
  # Read-only system summary (version, motd, CPUs, memory).
  sharedParkSpace @16;
  # A park space keyed by (MemoryObject, offset), shared across processes (bind first).
  schedulingPolicy @17;
  # The child's own threads' scheduling weight, bounded by its profile's maxWeight.
}

struct CapGrant {
  # One capability given to a child at spawn, under a child-visible name.
  name @0 :Text;
  # Name in the child's CapSet page; unique within one spawn request.
  mode @1 :TransferMode;
  # copy / move of a held cap; clientFacet for endpoints.
  source :union {
    held @2 :Capability;
    # A capability the spawning process holds (sent as a sideband cap descriptor).
    kernel @3 :KernelCapSource;
    # A fresh kernel object created for the child.
  }
  interfaceId @4 :UInt64;
  # clientFacet grants and `endpoint` kernel sources: the interface served on the
  # endpoint, under which the facet is granted (non-zero, not Endpoint's). Ignored
  # by other grants.
  badge @5 :UInt64;
  # clientFacet grants and `endpoint` kernel sources: the facet's receiver metadata,
  # delivered by RECV with every call through it (never authority).
}

struct ExportedCap {
  # A capability a freshly spawned child exports, as the parent receives it.
  name @0 :Text;
  # The grant name the child sees for the exported endpoint.
  cap @1 :Capability;
  # The parent-side client facet (CALL only).
}

struct CapabilityInfo {
  # One entry of a process's capability table, as CapabilityManager.list reports it.
  capId @0 :UInt32;
  # The table-local, generation-tagged id.
  interfaceId @1 :UInt64;
  # The Cap'n Proto type id of the object's interface.
  name @2 :Text;
  # The CapSet name the cap was granted under, or empty for caps received later.
  transferable @3 :Bool;
  # False for caps that refuse copy and move (e.g. ProcessHandle).
  revocable @4 :Bool;
  # True if this cap was derived with CapabilityManager.derive.
  interfaceName @5 :Text;
  # The interface's name ("Console", "Endpoint", ...) for the kernel interfaces declared
  # in this file; empty for an interface the kernel does not know (a served one).
  revoked @6 :Bool;
  # True if a cap it was derived from was revoked: every use fails with
  # CAPOS_ERR_CAP_REVOKED; releasing it still works (docs/caps.md).
  deriveDepth @7 :UInt8;
  # 0 for a cap never derived, else its chain length (derive of a derived cap adds 1).
}

struct ResourceUsage {
  # A process's current charges against its ResourceProfile, with the limits applied.
  capSlots @0 :UInt32;
  capSlotsMax @1 :UInt32;
  framePages @2 :UInt64;
  framePagesMax @3 :UInt64;
  virtualBytes @4 :UInt64;
  virtualBytesMax @5 :UInt64;
  outstandingCalls @6 :UInt32;
  outstandingCallsMax @7 :UInt32;
  childProcesses @8 :UInt32;
  childProcessesMax @9 :UInt32;
  threads @10 :UInt32;
  threadsMax @11 :UInt32;
  ringScratchBytes @12 :UInt64;
  ringScratchBytesMax @13 :UInt64;
  kernelBytes @14 :UInt64;
  # Kernel heap bytes allocated on the process's behalf (objects, tables, scratch).
  kernelBytesMax @15 :UInt64;
}

struct MemoryInfo {
  # What MemoryObject.info reports; physical addresses are never revealed.
  pages @0 :UInt64;
  # Number of 4 KiB pages the object owns.
  size @1 :UInt64;
  # pages * 4096.
  contiguous @2 :Bool;
  # Whether the frames are physically contiguous (allocated for a driver).
  mappings @3 :UInt32;
  # Live mappings of this object in the caller's address space.
}

# ---------------------------------------------------------------------------------------
# Output and time

interface Console {
  # Serial/terminal output. Each call is bounded (the kernel refuses larger payloads with
  # invalidArgument); long output is split by the client.
  write @0 (data :Data) -> ();
  # Write raw bytes exactly as given.
  writeLine @1 (text :Text) -> ();
  # Write `text` followed by a newline.
}

interface Timer {
  # The monotonic clock and timed waits.
  now @0 () -> (ns :UInt64);
  # Nanoseconds since boot; never goes backwards.
  sleep @1 (ns :UInt64) -> ();
  # Block the calling thread for at least `ns` nanoseconds.
  sleepUntil @2 (deadlineNs :UInt64) -> ();
  # Block until `now` reaches `deadlineNs` (returns at once if already past).
}

# ---------------------------------------------------------------------------------------
# Boot and processes

interface BootPackage {
  # Read-only access to the boot manifest (SystemManifest, framed binary), held by init.
  manifestSize @0 () -> (size :UInt64);
  # Total size of the manifest in bytes.
  readManifest @1 (offset :UInt64, maxBytes :UInt32) -> (data :Data);
  # Up to `maxBytes` bytes from `offset` (fewer at the end; empty past it). The kernel
  # clamps `maxBytes` to its per-call bound.
  readBinary @2 (name :Text, offset :UInt64, maxBytes :UInt32) -> (data :Data, size :UInt64);
  # A chunk of the packaged binary `name` and the binary's total size.
}

interface ProcessSpawner {
  # Create processes from binaries packaged in the boot manifest.
  spawn @0 (name :Text, binaryName :Text, grants :List(CapGrant), profile :Text)
      -> (handle :ProcessHandle, exports :List(ExportedCap), pid :UInt64);
  # Start `binaryName` as a new process called `name` holding exactly `grants`, charged
  # against the resource profile named `profile` (empty: inherit the caller's). Returns a
  # non-transferable handle and the client facets of endpoints the child exports.
  # Errors: unknown binary or profile, duplicate grant names, a grant of a cap not held,
  # oversized lists -> invalidArgument; child-process quota -> overloaded.
}

interface ProcessHandle {
  # The spawner's view of one child process.
  wait @0 () -> (exitCode :Int64, killed :Bool);
  # Block until the child exits; one waiter at a time.
  kill @1 () -> ();
  # Stop every thread of the child on every CPU; its caps are released. Idempotent.
}

# ---------------------------------------------------------------------------------------
# Memory

interface VirtualMemory {
  # Anonymous memory in the holder's own address space, charged to its frame quota.
  # Addresses and sizes are page-aligned; W+X is refused with invalidArgument.
  map @0 (hint :UInt64, size :UInt64, prot :Protection) -> (addr :UInt64);
  # Reserve and commit zero-filled memory; `hint` 0 lets the kernel choose. An explicit
  # hint that overlaps an existing mapping fails (no silent relocation).
  unmap @1 (addr :UInt64, size :UInt64) -> ();
  # Remove mappings and release their frames.
  protect @2 (addr :UInt64, size :UInt64, prot :Protection) -> ();
  # Change permissions of mapped pages.
  reserve @3 (hint :UInt64, size :UInt64) -> (addr :UInt64);
  # Reserve address space without backing (charged to the virtual reservation quota).
  commit @4 (addr :UInt64, size :UInt64, prot :Protection) -> ();
  # Back part of a reservation with zero-filled frames (charged to the frame quota).
  decommit @5 (addr :UInt64, size :UInt64) -> ();
  # Return a committed range's frames; the range stays reserved.
  guard @6 (addr :UInt64, size :UInt64) -> ();
  # Mark a reserved range as a guard: any access faults.
}

interface MemoryObject {
  # A set of frames owned by capabilities. Transferable; the frames return when the last
  # cap is released and the last mapping is gone. Zero-filled on allocation.
  info @0 () -> (info :MemoryInfo);
  map @1 (hint :UInt64, offsetPages :UInt64, pages :UInt64, prot :Protection)
      -> (addr :UInt64);
  # Map `pages` pages starting at `offsetPages` into the holder's address space.
  unmap @2 (addr :UInt64) -> ();
  # Remove the mapping of this object that starts at `addr`.
  protect @3 (addr :UInt64, prot :Protection) -> ();
  # Change the permissions of the mapping of this object at `addr`.
}

interface FrameAllocator {
  # Physical memory as MemoryObjects, charged to the caller's frame quota.
  allocate @0 (pages :UInt64, contiguous :Bool) -> (memory :MemoryObject);
  # A fresh zero-filled object of `pages` pages (physically contiguous if asked).
}

# ---------------------------------------------------------------------------------------
# Capabilities

interface CapabilityManager {
  # Introspection and revocable delegation of the holder's own capability table.
  list @0 () -> (caps :List(CapabilityInfo));
  # Every live cap in the caller's table.
  derive @1 (cap :Capability) -> (derived :Capability);
  # A revocable copy of `cap` (which the caller holds); it may be transferred onwards.
  revoke @2 (cap :Capability) -> (revoked :UInt32);
  # Invalidate every cap derived from `cap` in every process; returns how many table
  # entries (in any process) were live and became revoked (docs/caps.md).
  usage @3 () -> (usage :ResourceUsage);
  # The caller's resource charges and limits.
  listRange @4 (startSlot :UInt32) -> (caps :List(CapabilityInfo), nextSlot :UInt32, more :Bool);
  # `list` in pages that always fit the kernel's result bound: at most 24 live caps whose
  # slot (the low 16 bits of capId) is >= startSlot, in slot order; `more` says whether
  # live caps remain at or after `nextSlot` (pass it as the next startSlot). A full
  # table with long CapSet names can exceed the result bound of `list`, which then
  # fails with CAPOS_ERR_RING_QUOTA.
}

# ---------------------------------------------------------------------------------------
# Threads and synchronisation

interface ThreadSpawner {
  # Threads in the holder's process; each new thread gets its own ring.
  spawn @0 (entry :UInt64, stackTop :UInt64, arg :UInt64, fsBase :UInt64)
      -> (handle :ThreadHandle, threadId :UInt64, ring :UInt64);
  # Start a thread at `entry(arg)` on the given stack; `ring` is the address of its ring.
}

interface ThreadHandle {
  # The creator's view of one thread; releasing it detaches the thread.
  join @0 () -> (exitCode :Int64);
  # Block until the thread exits.
}

interface ThreadControl {
  # Control of the calling thread itself.
  exit @0 (code :Int64) -> ();
  # End the calling thread (the process ends with its last thread).
  setFsBase @1 (base :UInt64) -> ();
  # Set the FS segment base (thread-local storage pointer).
}

interface ParkSpace {
  # Marker for the PARK/UNPARK ring opcodes: a private wait space keyed by user address.
}

interface SharedParkSpace {
  # Marker: a wait space keyed by (MemoryObject, offset), shared across processes.
  bind @0 (memory :MemoryObject) -> ();
  # Key this space by `memory`; waits then name offsets into it.
}

interface SchedulingPolicy {
  # The holder's threads' scheduling weight, bounded by its resource profile.
  setWeight @0 (threadId :UInt64, weight :UInt32) -> ();
  # Set a thread's weight (1..the profile's maximum); 0 means the thread making the call.
}

interface Endpoint {
  # Marker for a raw endpoint (RECV/RETURN through the ring). Importers get CALL-only
  # client facets; the methods they call are those of the served interface.

  client @0 (interfaceId :UInt64, badge :UInt64) -> (client :Capability);
  # Mint a CALL-only client facet of this endpoint, granted as `interfaceId` (the
  # interface the owner serves; non-zero, not Endpoint's) with `badge`, which RECV
  # delivers in cqe.badge for every call through it. invalidArgument for a zero or
  # Endpoint interface id. The facet arrives as a result cap (docs/ipc.md).
}

# ---------------------------------------------------------------------------------------
# Terminal, entropy and the machine (issue 7: boot to a login shell)

enum TerminalEvent {
  # What ended a TerminalSession read.
  line @0;
  # A line was completed (Enter); `line` holds it without its terminator.
  interrupt @1;
  # Ctrl-C: the partial line was discarded. The shell interrupts its foreground command.
  eof @2;
  # Ctrl-D at the start of a line.
  key @3;
  # readKey: `key` is the byte typed.
}

interface TerminalSession {
  # The user terminal (COM2), driven by the kernel through the line discipline of
  # lib/termio (docs/terminal.md). The holder never touches the UART. Input typed while
  # no read is pending is kept (bounded; overflow is counted, never blocks the kernel) and
  # goes through the line discipline when the next read starts, so echo follows the mode
  # of the read that consumes it. One read may be pending at a time: a second concurrent
  # read fails `overloaded` (CAPOS_ERR_TERM_BUSY).
  write @0 (data :Data) -> ();
  # Write raw bytes to the terminal (bounded per call like Console.write).
  readLine @1 (hidden :Bool) -> (event :TerminalEvent, line :Text, truncated :Bool, dropped :UInt32);
  # Block until a line, Ctrl-C or Ctrl-D. `hidden`: nothing is echoed but the newline
  # (passwords). `truncated`: input was refused at the line bound (a bell was echoed);
  # `dropped`: garbage bytes (controls, invalid UTF-8) discarded from this line.
  readKey @2 () -> (event :TerminalEvent, key :UInt8);
  # Block until one byte is typed; delivered uninterpreted (event = key).
}

interface EntropySource {
  # The kernel CSPRNG (HMAC-DRBG over SHA-256), seeded from RDSEED/RDRAND when the CPU
  # has them and from timer jitter, reseeded periodically. It refuses to serve before
  # it is seeded (`failed`, CAPOS_ERR_ENTROPY_UNSEEDED).
  getBytes @0 (count :UInt32) -> (data :Data);
  # `count` random bytes, 1..256 (otherwise invalidArgument).
}

struct SystemSummary {
  # What SystemStatus.summary reports.
  version @0 :Text;
  # The kernel's version string.
  motd @1 :Text;
  # KernelParams.motd from the boot manifest (may be empty).
  cpus @2 :UInt32;
  # CPUs online.
  memoryBytes @3 :UInt64;
  # Usable physical memory.
  freeBytes @4 :UInt64;
  # Physical memory not in use.
  uptimeNs @5 :UInt64;
  # Nanoseconds since boot.
  processes @6 :UInt32;
  # Live processes.
  cpusPresent @7 :UInt32;
  # CPUs the firmware lists (ACPI MADT), online or not; `cpus` <= this.
  timerInterrupts @8 :UInt64;
  # Timer interrupts taken by all online CPUs since boot: periodic ticks while threads
  # run, one-shot deadlines while idle (a tickless idle CPU takes none in between).
}

interface SystemControl {
  # Machine-wide control: granted by the manifest to whoever may stop the machine.
  shutdown @0 (code :UInt8) -> ();
  # Stop every process and power off. Under QEMU this exits through isa-debug-exit with
  # the clean status (code 0) or the failure status (any other code). Does not return.
}

interface SystemStatus {
  # Read-only figures about the running system; holds no authority over it.
  summary @0 () -> (summary :SystemSummary);
}
