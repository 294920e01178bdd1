/*
 * libcapos threads (lib/libcapos/thread.c): threads of this process, each with its own
 * capability ring (docs/kernel-proc.md "Threads"), over the CapSet caps "threads"
 * (ThreadSpawner) and "threadctl" (ThreadControl).
 *
 * A thread gets one block of memory: an unmapped guard page, its stack and its TLS
 * block + TCB (a copy of the program's PT_TLS image, laid out as the kernel's loader
 * lays out thread 0's, include/capos/tls.h) and this library's record. With a "vm"
 * cap the block comes from VirtualMemory (reserve, guard page, commit); without one
 * from malloc (no guard page). The new thread starts in libcapos's entry stub, which
 * records its ring in the thread-local capos_thread_ring, so every libcapos ring
 * helper (capos_ring_self, kcaps, console, client/server) on that thread uses its own
 * ring; then fn(arg) runs and its return value is the thread's exit code.
 *
 * Thread safety (docs/userspace.md "Threads"): the ring client, the kcaps scratch, the
 * stack-protector canary and newlib's struct _reent (errno, strtok, rand, conversion
 * buffers; lib/libcapos/reent.c, newlib built with __DYNAMIC_REENT__) are per thread.
 * The standard streams are process-wide; malloc and stdio are safe across threads
 * through newlib's lock hooks (lib/libcapos/nlock.c, capos_mutex words parking in the
 * "park" ParkSpace: grant it to multi-threaded programs; tstress-suite's heap part).
 */
#ifndef LIBCAPOS_THREAD_H
#define LIBCAPOS_THREAD_H

#include <stddef.h>
#include <stdint.h>

struct capos_thread;
struct _reent;

typedef int64_t (*capos_thread_fn)(void *arg);

/* Stack sizes: at least CAPOS_THREAD_STACK_MIN, rounded up to whole pages. */
#define CAPOS_THREAD_STACK_MIN 4096u
#define CAPOS_THREAD_STACK_DEFAULT (64u * 1024u)

/*
 * Starts fn(arg) on a new thread with a stack of stack_size bytes (0: the default).
 * *out names it for capos_thread_join. Errors: capos_kcap_find's (no "threads" cap:
 * CAPOS_ERR_NOT_FOUND), CAPOS_ERR_INVALID (stack_size over 1 GiB), capos_tls_plan's,
 * the memory's (VirtualMemory's CAPOS_ERR_QUOTA_FRAMES / _VIRTUAL, or
 * CAPOS_ERR_NO_MEMORY from malloc), capos_thread_spawn_call's
 * (CAPOS_ERR_QUOTA_THREADS when the profile's threads are live). Nothing is left
 * behind on error.
 */
int capos_thread_create(capos_thread_fn fn, void *arg, size_t stack_size,
			struct capos_thread **out);

/*
 * Waits for t to end, gives its exit code in *exit_code (may be NULL) and frees its
 * stack, TLS and record (t is gone afterwards). Errors: capos_thread_join_call's
 * (CAPOS_ERR_THREAD_JOIN_SELF for the calling thread itself); t stays valid then.
 */
int capos_thread_join(struct capos_thread *t, int64_t *exit_code);

/*
 * Ends the calling thread with `code` (ThreadControl.exit); the last live thread
 * ending ends the process with `code`. Without a "threadctl" cap the whole process
 * exits with `code` (capos_sys_exit).
 */
_Noreturn void capos_thread_exit(int64_t code);

/* The kernel thread id of t (also the RDX it entered with). */
uint64_t capos_thread_id(const struct capos_thread *t);

/* t's ThreadHandle cap (for raw ThreadHandle calls, libcapos/kcaps.h). */
uint32_t capos_thread_handle(const struct capos_thread *t);

/*
 * newlib's per-thread state (lib/libcapos/reent.c), for thread.c: init fills a
 * thread's reent (sharing thread 0's standard streams), bind makes it the calling
 * thread's (newlib's __getreent), release unbinds it and frees what newlib allocated
 * in it (the thread is about to end).
 */
void capos_reent_init(struct _reent *r);
void capos_reent_bind(struct _reent *r);
void capos_reent_release(struct _reent *r);

#endif
