/*
 * The first kernel capability objects (kernel/cap/console.c, timer.c, bootpkg.c,
 * vmcap.c): Console, Timer, BootPackage and VirtualMemory, each a struct kobj plus a
 * `struct kcall_iface` that kcall_exec dispatches to through the generated capnpc-c
 * skeleton. The objects are pure: the hardware or address-space work is a backend the
 * kernel plugs in (a serial sink, a monotonic clock, the boot module bytes, the
 * process's VM operations), so host tests drive them with fakes. Each handler
 * validates every argument before it calls its backend (decode, then invoke).
 *
 * Not here yet (kernel work of issue 4): Timer.sleep/sleepUntil (a blocking handler
 * needs the scheduler and an in-flight ring credit), BootPackage.readBinary (the
 * manifest pipeline), VirtualMemory.reserve/commit/decommit/guard. Until then those
 * methods answer an `unimplemented` CapException.
 *
 * Lock legend: [I] set by *_init; backends do their own locking.
 */
#ifndef KERNEL_KCAPS_H
#define KERNEL_KCAPS_H

#include <stddef.h>
#include <stdint.h>

#include <kernel/kcall.h>
#include <kernel/kobj.h>

/* ---- Console: bytes to a sink (the kernel passes COM2, the user terminal). */
#define KCONSOLE_MAX_WRITE 4096u /* bytes per call; larger: invalidArgument */

struct kconsole {
	struct kobj k;
	int (*write)(void *ctx, const char *bytes, size_t len); /* [I] 0 or a status */
	void *ctx;						/* [I] */
	void (*destroy)(struct kconsole *c);			/* [I] frees; may be NULL */
};

/* Errors: CAPOS_ERR_INVALID (no write function). */
int kconsole_init(struct kconsole *c, int (*write)(void *, const char *, size_t), void *ctx,
		  void (*destroy)(struct kconsole *));
extern const struct kcall_iface kconsole_iface;

/* ---- Timer: the monotonic clock and timed waits. */
#define KTIMER_MAX_DEADLINE_NS                                                                     \
	((1ull << 63) - 1u) /* later deadlines: CAPOS_ERR_TIMER_SLEEP_RANGE */

struct ktimer {
	struct kobj k;
	uint64_t (*now_ns)(void *ctx); /* [I] nanoseconds since boot, monotonic */
	/* [I] Parks the CALL being executed until now_ns reaches deadline_ns (which is
	 * in the future and at most KTIMER_MAX_DEADLINE_NS): returns KCALL_DEFERRED, or
	 * an error (CAPOS_ERR_TIMER_SLEEP_LIMIT, CAPOS_ERR_NO_MEMORY). NULL: sleeps that would
	 * block answer unimplemented. */
	int (*sleep_until)(void *ctx, uint64_t deadline_ns);
	void *ctx;			   /* [I] */
	void (*destroy)(struct ktimer *t); /* [I] */
};

int ktimer_init(struct ktimer *t, uint64_t (*now_ns)(void *), void *ctx,
		void (*destroy)(struct ktimer *));

/*
 * Sets t's sleep backend (before the first cap to t exists). Timer.sleep(ns) asks for
 * the deadline now + ns, Timer.sleepUntil(d) for d; a deadline not in the future
 * completes at once (no backend call), one past KTIMER_MAX_DEADLINE_NS (or an
 * overflowing now + ns) is CAPOS_ERR_TIMER_SLEEP_RANGE (an invalidArgument CapException).
 */
void ktimer_set_sleep(struct ktimer *t, int (*sleep_until)(void *ctx, uint64_t deadline_ns));
extern const struct kcall_iface ktimer_iface;

/* ---- BootPackage: read-only access to the boot manifest bytes. */
#define KBOOTPKG_MAX_CHUNK 2048u /* readManifest bytes per call (clamped, not refused) */

struct kbootpkg {
	struct kobj k;
	const uint8_t *manifest;	     /* [I] the boot module, kernel-mapped */
	uint64_t size;			     /* [I] */
	void (*destroy)(struct kbootpkg *b); /* [I] */
};

int kbootpkg_init(struct kbootpkg *b, const uint8_t *manifest, uint64_t size,
		  void (*destroy)(struct kbootpkg *));
extern const struct kcall_iface kbootpkg_iface;

/* ---- VirtualMemory: anonymous memory in the holder's own address space. */
#define KVM_PROT_R 1u
#define KVM_PROT_W 2u
#define KVM_PROT_X 4u
#define KVM_MAX_BYTES (1ull << 32) /* per call */

/* The process's address-space operations (kernel/vmres.h in the kernel); they charge
 * and check its quotas (frames: CAPOS_ERR_QUOTA_FRAMES, none left: CAPOS_ERR_RING_QUOTA; address space:
 * CAPOS_ERR_QUOTA_VIRTUAL) and refuse overlaps (CAPOS_ERR_VMR_OVERLAP). Ranges arrive
 * validated: page-aligned, non-empty, inside the anonymous region, never W+X. The
 * reservation ops may be NULL (a backend without them answers CAPOS_ERR_UNSUPPORTED). */
struct kvm_backend {
	int (*map)(void *as, uint64_t hint, uint64_t size, unsigned prot, uint64_t *addr);
	int (*unmap)(void *as, uint64_t addr, uint64_t size);
	int (*protect)(void *as, uint64_t addr, uint64_t size, unsigned prot);
	int (*reserve)(void *as, uint64_t hint, uint64_t size, uint64_t *addr);
	int (*commit)(void *as, uint64_t addr, uint64_t size, unsigned prot);
	int (*decommit)(void *as, uint64_t addr, uint64_t size);
	int (*guard)(void *as, uint64_t addr, uint64_t size);
};

struct kvm {
	struct kobj k;
	const struct kvm_backend *be;	/* [I] */
	void *as;			/* [I] the holder's address space */
	void (*destroy)(struct kvm *v); /* [I] */
};

int kvm_init(struct kvm *v, const struct kvm_backend *be, void *as, void (*destroy)(struct kvm *));
extern const struct kcall_iface kvm_iface;

#endif
