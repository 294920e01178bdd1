/*
 * Kernel object header (kernel/cap/kobj.c). Every object a capability can name
 * (Console, Timer, VirtualMemory, endpoints, processes, ...) embeds a struct kobj as
 * its first member. The header carries the object's type, a magic number that catches
 * use after free, a reference count (one per cap table entry plus any transient kernel
 * reference) and an ops table whose release() frees the object when the last
 * reference goes. Pure code: the same file is compiled into the kernel and the host
 * tests. Reference counts use atomic read-modify-write so SMP needs no change here.
 *
 * Lock legend: [I] immutable after kobj_init; [a] atomic.
 */
#ifndef KERNEL_KOBJ_H
#define KERNEL_KOBJ_H

#include <stdbool.h>
#include <stdint.h>

#define KOBJ_MAGIC 0x4A424F4Bu	    /* "KOBJ": object live */
#define KOBJ_DEAD_MAGIC 0x44414544u /* "DEAD": released; any use is a kernel bug */
/* A count this high means a leak; refuse further references instead of wrapping. */
#define KOBJ_REFS_MAX 0x7FFFFFFFu

/* Object types; one per capability object implementation. */
enum kobj_type {
	KOBJ_NONE = 0,
	KOBJ_CONSOLE,
	KOBJ_TIMER,
	KOBJ_BOOT_PACKAGE,
	KOBJ_VIRTUAL_MEMORY,
	KOBJ_ENDPOINT,
	KOBJ_PROCESS,	      /* ProcessHandle (kernel/cap/spawner.c) */
	KOBJ_ENDPOINT_CLIENT, /* CALL-only facet of an endpoint (kernel/endpoint.h) */
	KOBJ_SPAWNER,	      /* ProcessSpawner */
	KOBJ_CAPMGR,	      /* CapabilityManager (kernel/capmgr.h) */
	KOBJ_MEMORY_OBJECT,   /* MemoryObject (kernel/memobj.h) */
	KOBJ_FRAME_ALLOCATOR, /* FrameAllocator (kernel/memobj.h) */
	KOBJ_TERMINAL,	      /* TerminalSession over COM2 (kernel/kterm.h) */
	KOBJ_ENTROPY,	      /* EntropySource (kernel/ksys.h) */
	KOBJ_SYSCONTROL,      /* SystemControl (kernel/ksys.h) */
	KOBJ_SYSSTATUS,	      /* SystemStatus (kernel/ksys.h) */
	KOBJ_THREAD_SPAWNER,  /* ThreadSpawner (kernel/kthread.h) */
	KOBJ_THREAD,	      /* ThreadHandle (kernel/kthread.h) */
	KOBJ_THREAD_CONTROL,  /* ThreadControl (kernel/kthread.h) */
	KOBJ_PARK_SPACE,      /* ParkSpace / SharedParkSpace (kernel/kpark.h) */
	KOBJ_TEST,	      /* host tests and kernel self-tests only */
	KOBJ_TYPE_COUNT,
};

struct kobj;

struct kobj_ops {
	const char *name;		   /* type name for logs */
	void (*release)(struct kobj *obj); /* frees the object; refs are 0, magic DEAD */
};

struct kobj {
	uint32_t magic;		    /* [a] KOBJ_MAGIC while live, then KOBJ_DEAD_MAGIC */
	uint16_t type;		    /* [I] enum kobj_type */
	uint16_t rsvd;		    /* [I] zero */
	uint32_t refs;		    /* [a] references held */
	const struct kobj_ops *ops; /* [I] */
};

/*
 * Initialises `obj` with one reference (the creator's). `ops->release` must be
 * non-null and `type` a real type. Errors: CAPOS_ERR_INVALID.
 */
int kobj_init(struct kobj *obj, enum kobj_type type, const struct kobj_ops *ops);

/* True when `obj` is non-null and carries the live magic (a use-after-free check). */
bool kobj_is_live(const struct kobj *obj);

/*
 * Takes another reference. Errors: CAPOS_ERR_KOBJ_BAD_MAGIC (the object is dead or not
 * an object: a kernel bug the caller turns into a panic), CAPOS_ERR_KOBJ_REFCOUNT (the
 * count is saturated or zero; nothing changes).
 */
int kobj_get(struct kobj *obj);

/*
 * Drops one reference; the last one marks the object dead and calls ops->release.
 * Errors: CAPOS_ERR_KOBJ_BAD_MAGIC, CAPOS_ERR_KOBJ_REFCOUNT (count already zero).
 */
int kobj_put(struct kobj *obj);

/* Current count (for tests and leak checks; racy by nature under SMP). */
uint32_t kobj_refs(const struct kobj *obj);

/* Objects initialised and not yet released (leak checks: the spawn churn test). */
uint32_t kobj_live_count(void);

#endif
