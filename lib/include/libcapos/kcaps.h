/*
 * Typed calls on the kernel capabilities the C runtime itself needs (lib/libcapos/
 * kcaps.c): VirtualMemory (map/unmap for the heap; reserve/commit/decommit/guard for
 * runtimes that manage their own address space), Timer.now/sleep for the time hooks.
 * Each is one synchronous CALL on this thread's ring (capos_ring_self) with params
 * built by the generated capnpc-c accessors and results read with a bounded decoder.
 * Caps are found in the CapSet by name with an interface check (capos_kcap_find).
 */
#ifndef LIBCAPOS_KCAPS_H
#define LIBCAPOS_KCAPS_H

#include <stdint.h>

#define CAPOS_VM_READ 1u
#define CAPOS_VM_WRITE 2u
#define CAPOS_VM_EXEC 4u

/*
 * The cap named `name` with interface `interface_id` in this process's CapSet,
 * cached in *cache (0 = not looked up yet). Errors: capos_capset_lookup()'s
 * (CAPOS_ERR_NOT_FOUND, CAPOS_ERR_CAP_WRONG_INTERFACE, CAPOS_ERR_INVALID).
 */
int capos_kcap_find(const char *name, uint64_t interface_id, uint32_t *cache);

/*
 * VirtualMemory.map(hint, size, prot) on `cap`; the address in *addr.
 * Errors: the CQE status (CAPOS_ERR_RING_QUOTA when no frame is left,
 * CAPOS_ERR_VM_WX), the capOS code behind a refusal (the CapException's status, e.g.
 * CAPOS_ERR_QUOTA_FRAMES, CAPOS_ERR_QUOTA_VIRTUAL, CAPOS_ERR_VMR_OVERLAP; docs/abi.md),
 * ring client and capnp errors. The other VirtualMemory calls below answer the same way.
 */
int capos_vm_map(uint32_t cap, uint64_t hint, uint64_t size, unsigned prot, uint64_t *addr);

/* VirtualMemory.unmap(addr, size) on `cap`. */
int capos_vm_unmap(uint32_t cap, uint64_t addr, uint64_t size);

/* VirtualMemory.protect(addr, size, prot) on `cap`. */
int capos_vm_protect(uint32_t cap, uint64_t addr, uint64_t size, unsigned prot);

/* VirtualMemory.reserve(hint, size) on `cap`: address space only; the address in *addr. */
int capos_vm_reserve(uint32_t cap, uint64_t hint, uint64_t size, uint64_t *addr);

/* VirtualMemory.commit / decommit / guard on `cap` (semantics: docs/abi.md). */
int capos_vm_commit(uint32_t cap, uint64_t addr, uint64_t size, unsigned prot);
int capos_vm_decommit(uint32_t cap, uint64_t addr, uint64_t size);
int capos_vm_guard(uint32_t cap, uint64_t addr, uint64_t size);

/* Timer.now on `cap`: monotonic nanoseconds since boot in *ns. Errors: as above. */
int capos_timer_now(uint32_t cap, uint64_t *ns);

/*
 * Timer.sleep(ns) / Timer.sleepUntil(deadline_ns) on `cap`: blocks this thread in
 * cap_enter until the kernel completes the CALL (at or after the deadline; 0 or a
 * past deadline at once). Errors: the CapException's own status for a refusal
 * (CAPOS_ERR_TIMER_SLEEP_RANGE: deadline past 2^63 ns; CAPOS_ERR_TIMER_SLEEP_LIMIT: the process
 * has its maximum of sleeps pending), other CQE statuses, ring client and capnp errors.
 */
int capos_timer_sleep(uint32_t cap, uint64_t ns);
int capos_timer_sleep_until(uint32_t cap, uint64_t deadline_ns);

/*
 * Frames the params of Timer.sleep(v) (method capos_Timer_METHOD_sleep) or
 * Timer.sleepUntil(v) (capos_Timer_METHOD_sleepUntil) into buf (8-byte aligned,
 * buf_bytes long; 24 bytes suffice), for callers that queue the CALL themselves; the
 * framed length in *len. Errors: CAPOS_ERR_INVALID (another method), builder errors.
 */
int capos_timer_sleep_params(uint16_t method, uint64_t v, void *buf, uint32_t buf_bytes,
			     uint32_t *len);

/*
 * Endpoint.client(interface_id, badge) on the raw endpoint `ep`: a new CALL-only facet
 * (docs/ipc.md) in *facet. Errors: the CQE status (a refusal's CapException status,
 * e.g. CAPOS_ERR_INVALID for interface 0 or Endpoint's own), ring client errors,
 * CAPOS_ERR_CAP_WRONG_INTERFACE / _NOT_FOUND if the result cap is not the facet.
 */
int capos_endpoint_client(uint32_t ep, uint64_t interface_id, uint64_t badge, uint32_t *facet);

/*
 * The `status` of the CapException framed in res[0..len) (a CQE with
 * CAPOS_ERR_RING_EXCEPTION), its `type` in *type (may be NULL); if the message does
 * not decode, CAPOS_ERR_RING_EXCEPTION itself (and *type = -1).
 */
int capos_exception_status(const void *res, uint32_t len, int *type);

/* The schema name of CapException type `type` ("failed", "overloaded", ...), or NULL
 * when `type` is no ExceptionType (e.g. the -1 of capos_exception_status). */
const char *capos_exception_type_name(int type);

/* ---- EntropySource, SystemStatus, SystemControl (kernel/include/kernel/ksys.h) ---- */

/*
 * EntropySource.getBytes(count) on `cap`: the bytes into out (out_cap bytes of room),
 * their number in *len. A refusal answers the CapException's status with its type in
 * *type (may be NULL; -1 when there was no CapException): CAPOS_ERR_ENTROPY_COUNT
 * (count outside 1..256, invalidArgument), CAPOS_ERR_ENTROPY_UNSEEDED (failed).
 * Other errors: the CQE status (a forged cap: CAPOS_ERR_CAP_*), ring client and capnp
 * errors, CAPOS_ERR_BUFFER_TOO_SMALL (more bytes than out_cap).
 */
int capos_entropy_get_bytes(uint32_t cap, uint32_t count, void *out, uint32_t out_cap,
			    uint32_t *len, int *type);

/* What SystemStatus.summary reports (schema/capos.capnp SystemSummary). */
struct capos_system_summary {
	char version[32]; /* NUL-terminated */
	char motd[256];	  /* NUL-terminated; kernelParams.motd is at most 255 bytes */
	uint32_t cpus, cpus_present, processes;
	uint64_t memory_bytes, free_bytes, uptime_ns;
	uint64_t timer_interrupts; /* all online CPUs, since boot */
};

/*
 * SystemStatus.summary() on `cap` into *out. Errors: as capos_entropy_get_bytes (the
 * CapException's status for a refusal), CAPOS_ERR_BUFFER_TOO_SMALL (a text longer
 * than its field).
 */
int capos_system_summary(uint32_t cap, struct capos_system_summary *out);

/*
 * SystemControl.shutdown(code) on `cap`: the machine stops (QEMU exits with the clean
 * status for code 0, the failure status otherwise), so this returns only on error:
 * the CQE status (a forged or wrong cap: CAPOS_ERR_CAP_*), a CapException's status,
 * ring client and capnp errors.
 */
int capos_system_shutdown(uint32_t cap, uint8_t code);

/* ---- FrameAllocator, MemoryObject (kernel/include/kernel/memobj.h) ---- */

/*
 * FrameAllocator.allocate(pages, not contiguous) on `frames`: the new MemoryObject's
 * cap id in *mo. Errors: the transport status, the refusal's code (CAPOS_ERR_MEMOBJ_PAGES,
 * CAPOS_ERR_QUOTA_FRAMES, ...), CAPOS_ERR_INVALID (a malformed answer), result-cap
 * errors of capos_ring_result_cap.
 */
int capos_memobj_alloc(uint32_t frames, uint64_t pages, uint32_t *mo);

/* MemoryObject.map of its first `pages` pages (CAPOS_VM_* prot) at a kernel-chosen
 * address, returned in *addr. Errors: the transport status or the refusal's code. */
int capos_memobj_map(uint32_t mo, uint64_t pages, unsigned prot, uint64_t *addr);

/* ---- ThreadSpawner, ThreadHandle, ThreadControl (docs/kernel-proc.md "Threads") ----
 * The raw calls under libcapos/thread.h. A refusal answers the CapException's status
 * with its type in *type (-1 when there was none): CAPOS_ERR_THREAD_* (range
 * -472..-479), CAPOS_ERR_QUOTA_THREADS (overloaded). Other errors: the CQE status (a
 * forged or stale cap: CAPOS_ERR_CAP_*), ring client and capnp errors. */

struct capos_thread_spawn_args {
	uint64_t entry;	    /* RIP of the new thread (docs/abi.md "Thread entry") */
	uint64_t stack_top; /* its RSP: 16-byte aligned, the stack grows down from it */
	uint64_t arg;	    /* its RDI */
	uint64_t fs_base;   /* its FS base (TLS thread pointer), or 0 */
};

struct capos_thread_spawned {
	uint32_t handle;    /* the ThreadHandle cap (join; RELEASE detaches) */
	uint64_t thread_id; /* kernel thread id (also RDX at its entry) */
	uint64_t ring;	    /* its ring page (also RSI at its entry) */
};

/* ThreadSpawner.spawn on `cap`: a new thread of this process. */
int capos_thread_spawn_call(uint32_t cap, const struct capos_thread_spawn_args *a,
			    struct capos_thread_spawned *out, int *type);

/* ThreadHandle.join on `handle`: blocks this thread until that thread ends; its exit
 * code in *exit_code. */
int capos_thread_join_call(uint32_t handle, int64_t *exit_code, int *type);

/* ThreadControl.exit(code) on `cap`: returns only on a refusal (the thread ends). */
int capos_thread_exit_call(uint32_t cap, int64_t code, int *type);

/* ThreadControl.setFsBase(base) on `cap`: the calling thread's FS base. */
int capos_thread_set_fs_base_call(uint32_t cap, uint64_t base, int *type);
/* ---- SchedulingPolicy (kernel/include/kernel/schedpol.h, docs/scheduler.md) ---- */

/*
 * SchedulingPolicy.setWeight(threadId, weight) on `cap`: the weight of a thread of the
 * calling process (threadId 0: the calling thread). A refusal answers the
 * CapException's status with its type in *type (may be NULL; -1 when there was no
 * CapException): CAPOS_ERR_SCHED_WEIGHT_RANGE (0 or above the profile's maxWeight),
 * CAPOS_ERR_SCHED_NO_SUCH_THREAD (not a live thread of the caller), both
 * invalidArgument. Other errors: the CQE status (a forged, stale or wrong cap:
 * CAPOS_ERR_CAP_*), ring client and capnp errors.
 */
int capos_sched_set_weight(uint32_t cap, uint64_t thread_id, uint32_t weight, int *type);

#endif
