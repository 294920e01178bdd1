/*
 * capOS error vocabulary: the one set of status codes used by the kernel, the
 * Cap'n Proto runtime, userspace and host tools. 0 is success; every error is a
 * distinct negative value, documented here once. Functions that can fail return
 * `int` (a status) or a signed size whose negative values are these codes;
 * predicates return `bool`. Codes are ABI: a number, once published, keeps its
 * meaning.
 *
 * Ranges (so parallel work can add codes without collisions):
 *   -1   .. -63    general and kernel object errors
 *   -64  .. -127   boot and platform (Multiboot2, ACPI, memory map)
 *   -128 .. -191   Cap'n Proto message encoding/decoding (lib/capnp)
 *   -192 .. -199   Cap'n Proto generator and generated dispatch (tools/capnpc-c)
 *   -200 .. -255   capability ring transport and cap table (include/capos/ring.h)
 *   -256 .. -287   process loading: ELF64 validation (kernel/proc/elf.c)
 *   -288 .. -303   boot manifest: the kernel's decode of the boot module
 *                  (kernel/boot/manifest.c, also run by tools/mkmanifest)
 *   -304 .. -319   process spawning: ProcessSpawner / ProcessHandle
 *                  (kernel/cap/spawn_decode.c, kernel/cap/spawner.c)
 *   -320 .. -351   manifest pipeline and graph validation (lib/manifest: mkmanifest,
 *                  init; the overlay merge)
 *   -352 .. -359   init executor and timer
 *   -360 .. -367   demo services (schema/demo.capnp: user/kv)
 *   -368 .. -383   resource accounting: quota classes (kernel/include/kernel/ledger.h)
 *   -384 .. -391   memory objects: MemoryObject, FrameAllocator
 *   -392 .. -399   VirtualMemory reservations
 *   -400 .. -407   kernel self-protection (kernel memory low)
 *   -408 .. -415   terminal: line discipline and TerminalSession (lib/termio,
 *                  kernel/cap/terminal.c, docs/terminal.md)
 *   -416 .. -423   entropy: the kernel CSPRNG (EntropySource)
 *   -424 .. -431   system control (shutdown, summary)
 *   -432 .. -439   credentials (CredentialStore, Argon2id)
 *   -440 .. -455   sessions, authority broker, audit log, system info
 *   -456 .. -471   shell (capos-shell: commands, grant syntax, StdIO)
 *   -472 .. -479   threads: ThreadSpawner, ThreadHandle, ThreadControl
 *                  (kernel/cap/thread*.c, docs/kernel-proc.md "Threads")
 *   -480 .. -487   park (PARK/UNPARK ring opcodes, park spaces: docs/sync.md)
 */
#ifndef CAPOS_ERROR_H
#define CAPOS_ERROR_H

/* X(name, value, description) */
#define CAPOS_ERRORS(X)                                                                            \
	X(CAPOS_OK, 0, "success")                                                                  \
	/* general */                                                                              \
	X(CAPOS_ERR_INVALID, -1, "malformed or out-of-domain argument")                            \
	X(CAPOS_ERR_NO_MEMORY, -2, "no memory (frames, heap or arena) left")                       \
	X(CAPOS_ERR_OUT_OF_RANGE, -3, "value or address outside the allowed range")                \
	X(CAPOS_ERR_OVERFLOW, -4, "arithmetic overflow in a size or offset")                       \
	X(CAPOS_ERR_NOT_FOUND, -5, "no such entry")                                                \
	X(CAPOS_ERR_UNSUPPORTED, -6, "operation or feature not supported")                         \
	X(CAPOS_ERR_BUFFER_TOO_SMALL, -7, "caller's buffer cannot hold the result")                \
	X(CAPOS_ERR_BUSY, -8, "resource in use")                                                   \
	X(CAPOS_ERR_EXISTS, -9, "entry already exists")                                            \
	X(CAPOS_ERR_BAD_ADDRESS, -10, "user address not mapped or not permitted")                  \
	X(CAPOS_ERR_ALIGNMENT, -11, "address or size not suitably aligned")                        \
	/* kboot (-40 .. -63): kernel symbol table blob (tools/ksyms, kernel/ksyms) */             \
	X(CAPOS_ERR_KSYMS_BAD_MAGIC, -40, "symbol table blob has the wrong magic")                 \
	X(CAPOS_ERR_KSYMS_VERSION, -41, "symbol table blob version not supported")                 \
	X(CAPOS_ERR_KSYMS_TRUNCATED, -42, "symbol table blob shorter than declared")               \
	X(CAPOS_ERR_KSYMS_TRAILING, -43, "symbol table blob longer than declared")                 \
	X(CAPOS_ERR_KSYMS_UNSORTED, -44, "symbol addresses not strictly ascending")                \
	X(CAPOS_ERR_KSYMS_BAD_NAME, -45, "symbol name offset outside string table")                \
	/* kboot: boot self-tests (kernel/selftest.c) */                                           \
	X(CAPOS_ERR_SELFTEST_NO_NMI, -46, "no NMI arrived within the self-test's wait")            \
	/* boot and platform */                                                                    \
	X(CAPOS_ERR_BOOT_MAGIC, -64, "boot loader magic not recognised")                           \
	X(CAPOS_ERR_BOOT_TRUNCATED, -65, "boot structure shorter than it declares")                \
	X(CAPOS_ERR_BOOT_NO_MODULE, -66, "no boot module; exactly one is required")                \
	X(CAPOS_ERR_BOOT_TOO_MANY_MODULES, -67, "more than one boot module")                       \
	X(CAPOS_ERR_BOOT_MEMORY_MAP, -68, "memory map missing or unusable")                        \
	/* boot information and memory (kmem, -73 .. -95) */                                       \
	X(CAPOS_ERR_BOOT_MISALIGNED, -73, "boot structure or tag not 8-byte aligned")              \
	X(CAPOS_ERR_BOOT_BAD_SIZE, -74, "boot structure total size out of bounds")                 \
	X(CAPOS_ERR_BOOT_BAD_TAG, -75, "boot tag malformed (size, layout or string)")              \
	X(CAPOS_ERR_BOOT_NO_END_TAG, -76, "Multiboot2 tag list has no end tag")                    \
	X(CAPOS_ERR_BOOT_DUPLICATE_TAG, -77, "boot tag that must be unique repeats")               \
	X(CAPOS_ERR_BOOT_TOO_MANY_ENTRIES, -78, "more memory map entries than supported")          \
	X(CAPOS_ERR_BOOT_ENTRY_SIZE, -79, "memory map entry size unsupported")                     \
	X(CAPOS_ERR_BOOT_BAD_MODULE, -80, "boot module range invalid or outside RAM")              \
	X(CAPOS_ERR_BOOT_CMDLINE_TOO_LONG, -81, "command line longer than supported")              \
	X(CAPOS_ERR_BOOT_BAD_POINTER, -82, "boot structure points outside memory")                 \
	X(CAPOS_ERR_FRAME_DOUBLE_FREE, -85, "physical frame freed while already free")             \
	X(CAPOS_ERR_FRAME_NOT_MANAGED, -86, "physical frame not owned by the allocator")           \
	X(CAPOS_ERR_HEAP_DOUBLE_FREE, -87, "heap block freed twice")                               \
	X(CAPOS_ERR_HEAP_OVERFLOW, -88, "heap block redzone or canary overwritten")                \
	X(CAPOS_ERR_HEAP_BAD_POINTER, -89, "pointer not returned by the heap")                     \
	X(CAPOS_ERR_HEAP_USE_AFTER_FREE, -90, "freed heap block written after free")               \
	X(CAPOS_ERR_MM_NOT_MAPPED, -91, "virtual address not mapped")                              \
	X(CAPOS_ERR_MM_ALREADY_MAPPED, -92, "virtual address already mapped differently")          \
	X(CAPOS_ERR_MM_NO_VIRT, -93, "kernel virtual address window exhausted")                    \
	X(CAPOS_ERR_ACPI_CHECKSUM, -69, "ACPI table checksum mismatch")                            \
	X(CAPOS_ERR_ACPI_SIGNATURE, -70, "ACPI table signature mismatch")                          \
	X(CAPOS_ERR_ACPI_TRUNCATED, -71, "ACPI table shorter than it declares")                    \
	X(CAPOS_ERR_ACPI_NO_TABLE, -72, "required ACPI table absent")                              \
	/* platform: ACPI, interrupt controllers, timers (kplat, -96 .. -127) */                   \
	X(CAPOS_ERR_ACPI_REVISION, -96, "ACPI RSDP revision not defined by any spec")              \
	X(CAPOS_ERR_ACPI_MALFORMED, -97, "ACPI table structure inconsistent")                      \
	X(CAPOS_ERR_ACPI_UNMAPPED, -98, "ACPI table address outside mappable memory")              \
	X(CAPOS_ERR_ACPI_UNSUPPORTED_GAS, -99, "ACPI register not in system memory space")         \
	X(CAPOS_ERR_PLATFORM_NO_LAPIC, -100, "local APIC absent or not responding")                \
	X(CAPOS_ERR_PLATFORM_IOAPIC, -101, "IOAPIC not responding")                                \
	X(CAPOS_ERR_PLATFORM_HPET, -102, "HPET counter period out of range")                       \
	X(CAPOS_ERR_TIMER_CALIBRATION, -103, "timer calibration failed")                           \
	X(CAPOS_ERR_TIMER_NO_TICKS, -104, "periodic timer did not tick in time")                   \
	X(CAPOS_ERR_TIMER_DISTURBED, -105, "calibration window disturbed; measure again")          \
	/* Cap'n Proto runtime (lib/capnp, capnp-rt): -128 .. -191 */                              \
	X(CAPOS_ERR_CAPNP_OUT_OF_BOUNDS, -128, "capnp object extends outside its segment")         \
	X(CAPOS_ERR_CAPNP_TRAVERSAL_LIMIT, -129, "capnp traversal limit (words read) exceeded")    \
	X(CAPOS_ERR_CAPNP_NESTING_LIMIT, -130, "capnp pointer nesting limit exceeded")             \
	X(CAPOS_ERR_CAPNP_BAD_POINTER, -131, "capnp pointer malformed (reserved kind or bits)")    \
	X(CAPOS_ERR_CAPNP_SEGMENT_MISSING, -132,                                                   \
	  "capnp far pointer names a segment not in the message")                                  \
	X(CAPOS_ERR_CAPNP_TRUNCATED_FRAMING, -133, "capnp segment table or segments truncated")    \
	X(CAPOS_ERR_CAPNP_SEGMENT_COUNT, -134,                                                     \
	  "capnp segment count zero, overflowing or over the limit")                               \
	X(CAPOS_ERR_CAPNP_WRONG_POINTER_KIND, -135,                                                \
	  "capnp pointer kind differs from the schema type")                                       \
	X(CAPOS_ERR_CAPNP_LIST_ELEMENT_SIZE, -136,                                                 \
	  "capnp list element size incompatible with the schema type")                             \
	X(CAPOS_ERR_CAPNP_BAD_LANDING_PAD, -137, "capnp far-pointer landing pad malformed")        \
	X(CAPOS_ERR_CAPNP_TEXT_NOT_TERMINATED, -138, "capnp Text not NUL-terminated")              \
	X(CAPOS_ERR_CAPNP_SEGMENT_SIZE, -139,                                                      \
	  "capnp size not a whole number of words or too large")                                   \
	X(CAPOS_ERR_CAPNP_BAD_INLINE_COMPOSITE, -140,                                              \
	  "capnp inline-composite tag malformed or inconsistent")                                  \
	X(CAPOS_ERR_CAPNP_PACKED_TRUNCATED, -141, "capnp packed input ends inside a run")          \
	X(CAPOS_ERR_CAPNP_LIST_TOO_LONG, -142,                                                     \
	  "capnp list or object larger than the format allows")                                    \
	/* Cap'n Proto generator and generated code (tools/capnpc-c, capnp-gen): -192 .. -199 */   \
	X(CAPOS_ERR_CAPNP_UNIMPLEMENTED, -192, "method ordinal not implemented by this interface") \
	X(CAPOS_ERR_CAPNP_SCHEMA_UNSUPPORTED, -193,                                                \
	  "schema uses a feature capnpc-c does not generate")                                      \
	X(CAPOS_ERR_CAPNP_BAD_REQUEST, -194,                                                       \
	  "CodeGeneratorRequest inconsistent (dangling id, bad layout)")                           \
	/* ring transport (abi, -200 .. -223): the status of a CQE or of cap_enter */              \
	X(CAPOS_ERR_RING_BAD_OPCODE, -200, "SQE opcode unknown or not supported by this kernel")   \
	X(CAPOS_ERR_RING_BAD_FLAGS, -201, "SQE flag undefined or not valid for the opcode")        \
	X(CAPOS_ERR_RING_RESERVED_NONZERO, -202,                                                   \
	  "SQE reserved field or field unused by the opcode not zero")                             \
	X(CAPOS_ERR_RING_CORRUPT, -203, "ring header indices inconsistent; nothing consumed")      \
	X(CAPOS_ERR_RING_CQ_OVERFLOW, -204, "completion queue full; remaining SQEs left queued")   \
	X(CAPOS_ERR_RING_BAD_ARGUMENT, -205, "cap_enter argument out of range")                    \
	X(CAPOS_ERR_RING_BAD_SYSCALL, -206, "unknown system call number")                          \
	X(CAPOS_ERR_RING_PARAMS_FAULT, -207, "params buffer not a mapped user range")              \
	X(CAPOS_ERR_RING_RESULT_FAULT, -208, "result buffer not a mapped, writable user range")    \
	X(CAPOS_ERR_RING_PARAMS_TOO_LARGE, -209,                                                   \
	  "params longer than the per-process scratch bound")                                      \
	X(CAPOS_ERR_RING_RESULT_TOO_SMALL, -210,                                                   \
	  "result buffer too small; CQE result_len says how much")                                 \
	X(CAPOS_ERR_RING_MALFORMED_PARAMS, -211,                                                   \
	  "params not a valid Cap'n Proto message for the method")                                 \
	X(CAPOS_ERR_RING_QUOTA, -212, "per-process quota (frames, calls, scratch) exhausted")      \
	X(CAPOS_ERR_RING_METHOD_RANGE, -213, "method ordinal not defined by the interface")        \
	X(CAPOS_ERR_RING_EXCEPTION, -214, "the call failed: results hold a CapException")          \
	X(CAPOS_ERR_RING_EXCEPTION_TRUNCATED, -215,                                                \
	  "the call failed and its CapException did not fit")                                      \
	X(CAPOS_ERR_RING_TIMED_OUT, -216, "the operation's timeout expired (PARK, TIMEOUT)")       \
	X(CAPOS_ERR_RING_BAD_XFER, -217, "transfer descriptor list malformed or not accepted")     \
	/* capability manager: derive and revoke (capmgr, -218 .. -223) */                         \
	X(CAPOS_ERR_CAP_REVOKED, -218,                                                             \
	  "capability revoked (a cap it was derived from revoked it)")                             \
	X(CAPOS_ERR_CAP_DERIVE_DEPTH, -219,                                                        \
	  "derived cap chain already at the kernel's depth bound")                                 \
	/* cap table and kernel objects (abi, -224 .. -239) */                                     \
	X(CAPOS_ERR_CAP_BAD_ID, -224, "cap id names no slot of the table (null or out of range)")  \
	X(CAPOS_ERR_CAP_STALE, -225, "cap id generation does not match its slot (released)")       \
	X(CAPOS_ERR_CAP_EMPTY, -226, "cap id slot holds no capability")                            \
	X(CAPOS_ERR_CAP_WRONG_INTERFACE, -227,                                                     \
	  "capability does not implement the interface asked for")                                 \
	X(CAPOS_ERR_CAP_TABLE_FULL, -228, "cap table has no free slot within the quota")           \
	X(CAPOS_ERR_CAP_NOT_TRANSFERABLE, -229, "capability may not be copied or moved")           \
	X(CAPOS_ERR_CAP_BAD_RESERVATION, -230,                                                     \
	  "cap table reservation not pending (commit/rollback)")                                   \
	X(CAPOS_ERR_KOBJ_BAD_MAGIC, -231, "kernel object header corrupt or object freed")          \
	X(CAPOS_ERR_KOBJ_REFCOUNT, -232, "kernel object reference count saturated or underflowed") \
	X(CAPOS_ERR_CAPSET_BAD_NAME, -233, "CapSet name empty, too long or not [a-z0-9._-]")       \
	X(CAPOS_ERR_CAPSET_DUPLICATE, -234, "CapSet name already used in this process")            \
	X(CAPOS_ERR_CAPSET_FULL, -235, "CapSet page has no free entry")                            \
	X(CAPOS_ERR_VM_WX, -236, "mapping both writable and executable refused (W^X)")             \
	/* endpoints and IPC (ipc, -237 .. -247; docs/ipc.md) */                                   \
	X(CAPOS_ERR_EP_BAD_CALL_ID, -237, "RETURN names no call in service on this endpoint")      \
	X(CAPOS_ERR_EP_CALL_CANCELLED, -238, "RETURN to a call whose caller died; answer dropped") \
	X(CAPOS_ERR_EP_FACET, -239, "RECV/RETURN through a client facet (CALL-only)")              \
	X(CAPOS_ERR_EP_QUEUE_FULL, -240, "endpoint call queue full (CALL answered overloaded)")    \
	X(CAPOS_ERR_EP_DISCONNECTED, -241, "endpoint owner gone (CALL answered disconnected)")     \
	X(CAPOS_ERR_EP_RECEIVERS_FULL, -242, "too many RECVs pending on this endpoint")            \
	X(CAPOS_ERR_EP_IN_SERVICE_FULL, -243, "endpoint in-service limit reached: RETURN first")   \
	/* capability transfer: SQE transfer descriptors (xfer, -248 .. -255) */                   \
	X(CAPOS_ERR_XFER_TOO_MANY, -248, "more transfer descriptors than one SQE may carry")       \
	X(CAPOS_ERR_XFER_FAULT, -249, "transfer descriptor array not a mapped user range")         \
	X(CAPOS_ERR_XFER_RESERVED, -250, "transfer descriptor reserved field non-zero")            \
	X(CAPOS_ERR_XFER_BAD_MODE, -251, "transfer descriptor mode neither copy nor move")         \
	X(CAPOS_ERR_XFER_DUPLICATE, -252, "cap listed twice in one transfer with a move")          \
	/* process loading: ELF64 executables (abi, -256 .. -287) */                               \
	X(CAPOS_ERR_ELF_TRUNCATED, -256, "ELF file shorter than its ELF header")                   \
	X(CAPOS_ERR_ELF_BAD_MAGIC, -257, "not an ELF file (magic)")                                \
	X(CAPOS_ERR_ELF_BAD_CLASS, -258, "ELF class is not ELFCLASS64")                            \
	X(CAPOS_ERR_ELF_BAD_DATA, -259, "ELF data encoding is not little-endian")                  \
	X(CAPOS_ERR_ELF_BAD_VERSION, -260, "ELF version is not EV_CURRENT")                        \
	X(CAPOS_ERR_ELF_BAD_OSABI, -261, "ELF OS ABI not System V/GNU or ABI version non-zero")    \
	X(CAPOS_ERR_ELF_BAD_MACHINE, -262, "ELF machine is not x86_64")                            \
	X(CAPOS_ERR_ELF_BAD_TYPE, -263, "ELF type is not ET_EXEC (static executable)")             \
	X(CAPOS_ERR_ELF_BAD_HEADER_SIZE, -264, "ELF header or program header entry size wrong")    \
	X(CAPOS_ERR_ELF_BAD_PHNUM, -265, "ELF program header count zero or over the limit")        \
	X(CAPOS_ERR_ELF_PH_BOUNDS, -266, "ELF program header table outside the file")              \
	X(CAPOS_ERR_ELF_BAD_SEGMENT_TYPE, -267, "ELF segment type reserved or unknown")            \
	X(CAPOS_ERR_ELF_DYNAMIC, -268, "ELF needs dynamic linking (PT_INTERP, PT_DYNAMIC)")        \
	X(CAPOS_ERR_ELF_SEG_FILE_BOUNDS, -269, "ELF segment file range outside the file")          \
	X(CAPOS_ERR_ELF_SEG_SIZE, -270, "ELF segment filesz > memsz or memsz over the limit")      \
	X(CAPOS_ERR_ELF_SEG_ADDRESS, -271, "ELF segment outside the user image region")            \
	X(CAPOS_ERR_ELF_SEG_ALIGN, -272, "ELF segment offset/vaddr not congruent or bad p_align")  \
	X(CAPOS_ERR_ELF_SEG_OVERLAP, -273, "ELF loadable segments share a page")                   \
	X(CAPOS_ERR_ELF_SEG_PERMS, -274, "ELF segment has no access permission")                   \
	X(CAPOS_ERR_ELF_WX, -275, "ELF segment both writable and executable (W^X)")                \
	X(CAPOS_ERR_ELF_TOO_MANY_SEGMENTS, -276, "more loadable segments than the loader maps")    \
	X(CAPOS_ERR_ELF_NO_SEGMENTS, -277, "ELF has no non-empty loadable segment")                \
	X(CAPOS_ERR_ELF_BAD_TLS, -278, "ELF PT_TLS duplicate, oversize, misaligned or not loaded") \
	X(CAPOS_ERR_ELF_BAD_ENTRY, -279, "ELF entry point not inside an executable segment")       \
	X(CAPOS_ERR_ELF_EXEC_STACK, -280, "ELF asks for an executable stack (PT_GNU_STACK)")       \
	/* boot manifest (-288 .. -303): kernel/boot/manifest.c */                                 \
	X(CAPOS_ERR_MANIFEST_TOO_LARGE, -288, "boot module larger than the manifest bound")        \
	X(CAPOS_ERR_MANIFEST_TRAILING, -289, "bytes after the framed manifest message")            \
	X(CAPOS_ERR_MANIFEST_VERSION, -290,                                                        \
	  "manifest schemaVersion not the one this kernel reads")                                  \
	X(CAPOS_ERR_MANIFEST_NO_INIT, -291, "manifest has no initConfig.init")                     \
	X(CAPOS_ERR_MANIFEST_NAME, -292, "manifest name empty, oversize or containing NUL")        \
	X(CAPOS_ERR_MANIFEST_TOO_MANY_BINARIES, -293,                                              \
	  "manifest lists more binaries than the bound")                                           \
	X(CAPOS_ERR_MANIFEST_INIT_MISSING, -294,                                                   \
	  "init names a binary the manifest does not contain")                                     \
	X(CAPOS_ERR_MANIFEST_DUPLICATE, -295, "two manifest binaries or two grants share a name")  \
	X(CAPOS_ERR_MANIFEST_IMAGE, -296,                                                          \
	  "init image empty, oversize or not an ELF64 x86_64 file")                                \
	X(CAPOS_ERR_MANIFEST_TOO_MANY_GRANTS, -297, "init has more cap grants than the bound")     \
	X(CAPOS_ERR_MANIFEST_GRANT_SOURCE, -298, "an init cap grant is not a kernel source")       \
	X(CAPOS_ERR_MANIFEST_UNKNOWN_SOURCE, -299,                                                 \
	  "kernel cap source unknown or not granted in ABI v1")                                    \
	X(CAPOS_ERR_MANIFEST_INTERFACE, -300,                                                      \
	  "grant's declared interface unknown or not its source's")                                \
	X(CAPOS_ERR_MANIFEST_BAD_ENUM, -301, "manifest enum value outside the schema")             \
	X(CAPOS_ERR_MANIFEST_KERNEL_PARAM, -302, "kernel parameter out of range")                  \
	/* process spawning (-304 .. -319): kernel/cap/spawn_decode.c, spawner.c */                \
	X(CAPOS_ERR_SPAWN_UNKNOWN_BINARY, -304, "spawn: no packaged binary has that name")         \
	X(CAPOS_ERR_SPAWN_NAME, -305, "spawn: process name empty, too long or not printable")      \
	X(CAPOS_ERR_SPAWN_GRANT_NAME, -306, "spawn: grant name not a valid CapSet name")           \
	X(CAPOS_ERR_SPAWN_DUPLICATE_GRANT, -307, "spawn: two grants share a child-visible name")   \
	X(CAPOS_ERR_SPAWN_TOO_MANY_GRANTS, -308, "spawn: grant list longer than the bound")        \
	X(CAPOS_ERR_SPAWN_NOT_HELD, -309, "spawn: held grant names no cap sent with the call")     \
	X(CAPOS_ERR_SPAWN_CAP_REUSED, -310, "spawn: one sent cap named by two grants")             \
	X(CAPOS_ERR_SPAWN_CAP_UNUSED, -311,                                                        \
	  "spawn: a cap sent with the call is named by no grant")                                  \
	X(CAPOS_ERR_SPAWN_BAD_MODE, -312, "spawn: transfer mode not allowed for this grant")       \
	X(CAPOS_ERR_SPAWN_BAD_SOURCE, -313, "spawn: kernel source the spawner cannot create")      \
	X(CAPOS_ERR_SPAWN_PROFILE, -314, "spawn: unknown resource profile")                        \
	X(CAPOS_ERR_SPAWN_CHILD_QUOTA, -315, "spawn: the spawner's live-child quota is used up")   \
	X(CAPOS_ERR_SPAWN_WAIT_BUSY, -316, "ProcessHandle.wait: another wait is pending")          \
	X(CAPOS_ERR_SPAWN_FACET_INTERFACE, -317,                                                   \
	  "spawn: facet or endpoint grant's interfaceId zero or Endpoint's")                       \
	X(CAPOS_ERR_SPAWN_TOO_MANY_EXPORTS, -318, "spawn: more endpoint grants than the bound")    \
	X(CAPOS_ERR_SPAWN_MODE_MISMATCH, -319,                                                     \
	  "spawn: a held grant's mode differs from its transfer descriptor's")                     \
	/* manifest pipeline and graph validation (-320 .. -351): lib/manifest */                  \
	X(CAPOS_ERR_MANIFEST_LIMIT, -320, "manifest list longer than the validator's bound")       \
	X(CAPOS_ERR_MANIFEST_BAD_NAME, -321,                                                       \
	  "manifest name empty, over 63 bytes or not [a-z0-9._-]")                                 \
	X(CAPOS_ERR_MANIFEST_DUP_SERVICE, -322, "two services share a name")                       \
	X(CAPOS_ERR_MANIFEST_DUP_CAP, -323, "two caps of one process share a name")                \
	X(CAPOS_ERR_MANIFEST_DUP_EXPORT, -324, "two exports of one service share a name")          \
	X(CAPOS_ERR_MANIFEST_DUP_BINARY, -325, "two binaries share a name")                        \
	X(CAPOS_ERR_MANIFEST_UNKNOWN_BINARY, -326, "a process names a binary the manifest lacks")  \
	X(CAPOS_ERR_MANIFEST_BAD_SOURCE, -327, "cap source unset, unknown or not provided")        \
	X(CAPOS_ERR_MANIFEST_UNKNOWN_SERVICE, -328,                                                \
	  "an import names a service that does not exist")                                         \
	X(CAPOS_ERR_MANIFEST_NO_EXPORT, -329, "an import names an export its service lacks")       \
	X(CAPOS_ERR_MANIFEST_LATER_EXPORT, -330, "an import names an export of a later service")   \
	X(CAPOS_ERR_MANIFEST_CYCLE, -331, "service imports form a cycle")                          \
	X(CAPOS_ERR_MANIFEST_IFACE_MISMATCH, -332,                                                 \
	  "an import's declared interface differs from its export's")                              \
	X(CAPOS_ERR_MANIFEST_UNKNOWN_IFACE, -333, "declared interface is not a schema interface")  \
	X(CAPOS_ERR_MANIFEST_SOURCE_IFACE, -334,                                                   \
	  "declared interface differs from the kernel source's")                                   \
	X(CAPOS_ERR_MANIFEST_EXPORT_CAP, -335, "an export names no endpoint cap of its service")   \
	X(CAPOS_ERR_MANIFEST_RESTART, -336, "restart policy outside the schema or bad budget")     \
	X(CAPOS_ERR_MANIFEST_BAD_MODE, -337,                                                       \
	  "transfer mode outside the schema or wrong for the source")                              \
	X(CAPOS_ERR_MANIFEST_UNKNOWN_PROFILE, -338,                                                \
	  "a process names a resource profile that does not exist")                                \
	X(CAPOS_ERR_MANIFEST_DUP_PROFILE, -339, "two resource profiles share a name")              \
	X(CAPOS_ERR_MANIFEST_NO_PROCESS, -340, "a service has no process entry")                   \
	X(CAPOS_ERR_MANIFEST_NO_IMAGE, -341, "a binary a process names has no ELF64 image")        \
	X(CAPOS_ERR_MANIFEST_OVERLAY_CONFLICT, -342, "overlay conflicts with the base manifest")   \
	/* init executor and timer (-352 .. -359): kernel/cap/timer.c, kernel/proc/ksleep.c */     \
	X(CAPOS_ERR_TIMER_SLEEP_LIMIT, -352,                                                       \
	  "Timer.sleep: the process already has its maximum of sleeps pending")                    \
	X(CAPOS_ERR_TIMER_SLEEP_RANGE, -353,                                                       \
	  "Timer.sleep: deadline past 2^63 ns (now + ns overflows the clock's range)")             \
	X(CAPOS_ERR_FACET_BADGED, -354,                                                            \
	  "clientFacet of a facet that already carries a badge (no re-badging)")                   \
	/* demo services (schema/demo.capnp), -360 .. -367 */                                      \
	X(CAPOS_ERR_DEMO_KEY_TOO_LONG, -360, "KeyValue key empty or longer than its bound")        \
	X(CAPOS_ERR_DEMO_VALUE_TOO_LONG, -361, "KeyValue value longer than its bound")             \
	/* resource accounting: quota classes of the ledger (-368 .. -383; docs/resources.md) */   \
	X(CAPOS_ERR_QUOTA_CAP_SLOTS, -368, "quota: capability table slots used up")                \
	X(CAPOS_ERR_QUOTA_FRAMES, -369, "quota: physical frames used up")                          \
	X(CAPOS_ERR_QUOTA_VIRTUAL, -370, "quota: reserved address space used up")                  \
	X(CAPOS_ERR_QUOTA_RING_SCRATCH, -371, "quota: kernel ring scratch bytes used up")          \
	X(CAPOS_ERR_QUOTA_CALLS, -372, "quota: calls in flight used up")                           \
	X(CAPOS_ERR_QUOTA_CHILDREN, -373, "quota: live child processes used up")                   \
	X(CAPOS_ERR_QUOTA_THREADS, -374, "quota: live threads used up")                            \
	X(CAPOS_ERR_QUOTA_KERNEL_MEMORY, -375,                                                     \
	  "quota: kernel memory charged to the process used up")                                   \
	/* memory objects: MemoryObject, FrameAllocator (-384 .. -391; docs/resources.md) */       \
	X(CAPOS_ERR_MEMOBJ_PAGES, -384,                                                            \
	  "memory object: page count 0 or above the kernel's per-object bound")                    \
	X(CAPOS_ERR_MEMOBJ_RANGE, -385, "memory object: pages outside the object (or overflow)")   \
	X(CAPOS_ERR_MEMOBJ_NOT_MAPPED, -386,                                                       \
	  "memory object: no mapping of this object starts at that address")                       \
	X(CAPOS_ERR_MEMOBJ_OVERLAP, -387, "memory object: the range overlaps an existing mapping") \
	X(CAPOS_ERR_MEMOBJ_TOO_MANY_MAPS, -388,                                                    \
	  "memory object: the process's object-mapping bound is reached")                          \
	X(CAPOS_ERR_MEMOBJ_NO_SPACE, -389,                                                         \
	  "memory object: no free room for a kernel-chosen address")                               \
	X(CAPOS_ERR_MEMOBJ_OBJECT_MAPPING, -390,                                                   \
	  "VirtualMemory: the range holds a MemoryObject mapping (use MemoryObject.unmap)")        \
	/* VirtualMemory reservations: the region table (-392 .. -399; docs/resources.md) */       \
	X(CAPOS_ERR_VMR_OVERLAP, -392, "VirtualMemory: range overlaps a mapping or reservation")   \
	X(CAPOS_ERR_VMR_NOT_RESERVED, -393, "VirtualMemory: range not wholly reserved")            \
	X(CAPOS_ERR_VMR_COMMITTED, -394, "VirtualMemory: range holds committed pages")             \
	X(CAPOS_ERR_VMR_GUARD, -395, "VirtualMemory: range holds guard pages")                     \
	X(CAPOS_ERR_VMR_TOO_MANY, -396, "VirtualMemory: the process's region table is full")       \
	X(CAPOS_ERR_VMR_NO_SPACE, -397, "VirtualMemory: no free range that large to choose")       \
	/* kernel self-protection (kheap, -400 .. -407; docs/resources.md "Kernel memory") */      \
	X(CAPOS_ERR_KERNEL_LOW_MEMORY, -400,                                                       \
	  "kernel free memory at its reserve: request on a process's behalf refused")              \
	X(CAPOS_ERR_KERNEL_BAD_CHARGE, -401, "charged free of a block with no charge record")      \
	/* terminal: line discipline (-408 .. -415; lib/termio/ldisc.c, docs/terminal.md) */       \
	X(CAPOS_ERR_TERM_MODE, -408, "terminal: not a line-discipline mode")                       \
	X(CAPOS_ERR_TERM_LINE_FULL, -409, "terminal: line at its bound, input byte refused")       \
	/* terminal: TerminalSession over COM2 (-410 .. -415; kernel/cap/terminal.c) */            \
	X(CAPOS_ERR_TERM_BUSY, -410, "terminal: another read is already pending")                  \
	X(CAPOS_ERR_TERM_NO_INPUT, -411,                                                           \
	  "terminal: COM2 input unavailable (no UART, or its interrupt cannot be routed)")         \
	/* entropy: the kernel CSPRNG (-416 .. -423; kernel/krng.h, docs/entropy.md) */            \
	X(CAPOS_ERR_ENTROPY_COUNT, -416, "EntropySource: getBytes count outside 1..256")           \
	X(CAPOS_ERR_ENTROPY_UNSEEDED, -417,                                                        \
	  "EntropySource: the CSPRNG is not seeded yet (too little credited entropy)")             \
	/* credentials: CredentialStore (-432 .. -439; user/credstore, docs/credentials.md) */     \
	X(CAPOS_ERR_CRED_USER_LENGTH, -432, "credentials: user name empty or over 32 bytes")       \
	X(CAPOS_ERR_CRED_USER_CHARS, -433, "credentials: user name byte outside [a-z0-9_-]")       \
	X(CAPOS_ERR_CRED_PASSWORD_LENGTH, -434, "credentials: password empty or over 128 bytes")   \
	X(CAPOS_ERR_CRED_PROFILE, -435, "credentials: profile cannot hold a credential")           \
	X(CAPOS_ERR_CRED_TABLE_FULL, -436, "credentials: every record slot is in use")             \
	X(CAPOS_ERR_CRED_USER_EXISTS, -437, "credentials: the user already has a credential")      \
	X(CAPOS_ERR_CRED_HASH, -438, "credentials: Argon2id refused its inputs")                   \
	X(CAPOS_ERR_CRED_SALT, -439, "credentials: entropy source answered no usable salt")        \
	/* sessions, broker, audit (-440 .. -455; user/sessmgr, user/broker, user/audit,  \
	 * docs/sessions.md) */        \
	X(CAPOS_ERR_SESSION_ENDED, -440, "session: ended (logout, replaced or revoked)")           \
	X(CAPOS_ERR_SESSION_TABLE_FULL, -441, "session: the SessionManager's table is full")       \
	X(CAPOS_ERR_SESSION_USER_NAME, -442,                                                       \
	  "session: user name empty, too long or not printable")                                   \
	X(CAPOS_ERR_SESSION_PASSWORD_LONG, -443, "session: password longer than its bound")        \
	X(CAPOS_ERR_BROKER_UNKNOWN_SESSION, -444, "broker: no grants for this session id")         \
	X(CAPOS_ERR_BROKER_SESSIONS_FULL, -445, "broker: the per-session root table is full")      \
	X(CAPOS_ERR_BROKER_POLICY, -446,                                                           \
	  "broker: a policy cap name is not <profile>.<name> or over a bound")                     \
	X(CAPOS_ERR_BROKER_PROFILE, -447, "broker: not a SessionProfile")                          \
	X(CAPOS_ERR_AUDIT_TEXT, -448, "audit: user or detail text too long or not printable")      \
	X(CAPOS_ERR_AUDIT_KIND, -449, "audit: not an AuditKind")                                   \
	X(CAPOS_ERR_SESSION_NO_STORE, -450,                                                        \
	  "session: no CredentialStore granted (no login or setup)")                               \
	/* shell: command lines and grant syntax (-456 .. -463; user/shell, docs/shell.md) */      \
	X(CAPOS_ERR_SHELL_UNKNOWN_COMMAND, -456, "shell: no such command")                         \
	X(CAPOS_ERR_SHELL_USAGE, -457, "shell: wrong arguments for the command")                   \
	X(CAPOS_ERR_SHELL_BAD_LINE, -458,                                                          \
	  "shell: line refused: control or stray byte, bad escape, open quote, over a bound")      \
	X(CAPOS_ERR_SHELL_GRANT_SYNTAX, -459,                                                      \
	  "shell: malformed run/spawn: name, grant list, closing brace or grant bound")            \
	X(CAPOS_ERR_SHELL_GRANT_DUPLICATE, -460, "shell: two grants share a child-visible name")   \
	X(CAPOS_ERR_SHELL_GRANT_CAP, -461,                                                         \
	  "shell: a grant names no cap of the shell, or one it cannot grant that way")             \
	X(CAPOS_ERR_SHELL_GRANT_BADGE, -462, "shell: badge relabeling of a grant refused")         \
	X(CAPOS_ERR_SHELL_NOT_PERMITTED, -463, "shell: the session holds no cap for this command") \
	/* shell: the StdIO client (-464 .. -471; lib/libcapos/stdio_cap.c, docs/userspace.md) */  \
	X(CAPOS_ERR_STDIO_LINE_TOO_LONG, -464,                                                     \
	  "StdIO.readLine answered a line longer than the client takes")                           \
	/* threads (-472 .. -479; kernel/cap/thread*.c, docs/kernel-proc.md "Threads") */          \
	X(CAPOS_ERR_THREAD_ENTRY, -472, "thread: entry is not a user address")                     \
	X(CAPOS_ERR_THREAD_STACK, -473, "thread: stack top not a 16-byte aligned user address")    \
	X(CAPOS_ERR_THREAD_FS_BASE, -474, "thread: FS base is neither 0 nor a user address")       \
	X(CAPOS_ERR_THREAD_JOINED, -475, "thread: already joined (its exit code was taken)")       \
	X(CAPOS_ERR_THREAD_JOIN_BUSY, -476, "thread: a join of this thread is already pending")    \
	X(CAPOS_ERR_THREAD_JOIN_SELF, -477, "thread: a thread cannot join itself")                 \
	X(CAPOS_ERR_THREAD_RINGS, -478, "thread: the process's ring window is full")               \
	X(CAPOS_ERR_THREAD_FOREIGN, -479, "thread: the cap acts on another process")               \
	/* park: PARK/UNPARK ring opcodes, ParkSpace, SharedParkSpace (-480 .. -487;           \
	 * kernel/proc/kpark.c, docs/sync.md) */   \
	X(CAPOS_ERR_PARK_MISALIGNED, -480, "park: word address or offset not 4-byte aligned")      \
	X(CAPOS_ERR_PARK_FAULT, -481, "park: word outside the user window or not mapped readable") \
	X(CAPOS_ERR_PARK_WAITERS_LIMIT, -482,                                                      \
	  "park: the process has its bound of parked waiters (overloaded)")                        \
	X(CAPOS_ERR_PARK_UNBOUND, -483, "park: SharedParkSpace not bound to a MemoryObject")       \
	X(CAPOS_ERR_PARK_OFFSET_RANGE, -484, "park: offset outside the bound MemoryObject")        \
	X(CAPOS_ERR_PARK_OBJECT_GONE, -485,                                                        \
	  "park: the bound MemoryObject was freed (waiters woken, space unusable)")                \
	X(CAPOS_ERR_PARK_ALREADY_BOUND, -486, "park: SharedParkSpace.bind on a bound space")

enum capos_error {
#define CAPOS_ERROR_ENUM(name, value, desc) name = (value),
	CAPOS_ERRORS(CAPOS_ERROR_ENUM)
#undef CAPOS_ERROR_ENUM
};

/* Stable symbolic name of a status code ("CAPOS_ERR_INVALID"), or "unknown". */
static inline const char *capos_error_name(int status)
{
	switch (status) {
#define CAPOS_ERROR_CASE(name, value, desc)                                                        \
	case (value):                                                                              \
		return #name;
		CAPOS_ERRORS(CAPOS_ERROR_CASE)
#undef CAPOS_ERROR_CASE
	}
	return "unknown";
}

#endif
