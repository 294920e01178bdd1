/*
 * Per-process resource ledger: one counter per quota class of the process's
 * ResourceProfile (schema/manifest.capnp), each with its limit, current use and
 * high-water mark. Every resource a process can make the kernel spend is charged to a
 * ledger before the side effect and released on every path that undoes it
 * (docs/resources.md).
 *
 * Two ways to charge:
 * - ledger_reserve / ledger_release: a charge that is final at once (the caller undoes
 *   it with ledger_release on its own failure path);
 * - ledger_hold / ledger_commit / ledger_drop: a reservation held across a multi-step
 *   operation; ledger_drop on every exit path returns it unless ledger_commit kept it,
 *   so `goto out` cleanup cannot leak or double-release a charge.
 *
 * A ledger is its own allocation (kernel/proc/ledger.c), referenced by its process and
 * by every object charged to it that can outlive the process (a MemoryObject another
 * process still holds), so such a charge is released into a live ledger.
 *
 * The charge helpers are pure inline functions (host-tested in
 * tests/host/kernel/ledger_test.c). Lock legend: [I] set at creation, read-only
 * afterwards; [L] the ledger's lock once SMP lands (one CPU today: interrupts off).
 */
#ifndef KERNEL_LEDGER_H
#define KERNEL_LEDGER_H

#include <stdint.h>

#include <capos/error.h>

/* The quota classes; the order is the order of ResourceUsage/ResourceProfile reports. */
enum ledger_class {
	LEDGER_CAP_SLOTS,    /* capability table slots in use */
	LEDGER_FRAMES,	     /* physical frames: page tables, user pages, MemoryObjects paid */
	LEDGER_VIRTUAL,	     /* bytes of user address space reserved */
	LEDGER_RING_SCRATCH, /* bytes of kernel scratch for params and results */
	LEDGER_CALLS,	     /* calls in flight from this process */
	LEDGER_CHILDREN,     /* live child processes */
	LEDGER_THREADS,	     /* live threads */
	LEDGER_KERNEL_BYTES, /* kernel heap bytes allocated on the process's behalf */
	LEDGER_CLASS_COUNT
};

struct ledger {
	uint64_t limit[LEDGER_CLASS_COUNT]; /* [I] the profile's bound, clamped by the kernel */
	uint64_t used[LEDGER_CLASS_COUNT];  /* [L] charged now */
	uint64_t peak[LEDGER_CLASS_COUNT];  /* [L] high-water mark, for reports */
	uint32_t ep_queue_depth;	    /* [I] queued calls per endpoint it owns */
	uint32_t ep_in_flight;		    /* [I] unanswered calls per endpoint it owns */
	uint32_t max_weight;		    /* [I] highest scheduling weight (kernel/profile.h) */
	uint32_t underflows;		    /* [L] releases of more than was charged (kernel bugs);
				proc_free reports a non-zero count */
	uint32_t refs; /* [L] the process + objects charged to it (ledger_put) */
};

/*
 * Allocates a ledger with one reference, nothing charged and every limit at
 * UINT64_MAX (the caller sets the profile's). Errors: CAPOS_ERR_NO_MEMORY.
 */
int ledger_create(struct ledger **out);

/* Takes a reference (an object charged to l that can outlive its process). */
void ledger_get(struct ledger *l);

/* Drops a reference; the last one frees the ledger. */
void ledger_put(struct ledger *l);

/* A reservation taken by ledger_hold; `n` is 0 once committed or dropped. */
struct ledger_hold {
	struct ledger *ledger;
	enum ledger_class cls;
	uint64_t n;
};

/* The typed quota error of class c (CAPOS_ERR_QUOTA_FRAMES for LEDGER_FRAMES, ...). */
static inline int ledger_quota_error(enum ledger_class c)
{
	static const int codes[LEDGER_CLASS_COUNT] = {
		[LEDGER_CAP_SLOTS] = CAPOS_ERR_QUOTA_CAP_SLOTS,
		[LEDGER_FRAMES] = CAPOS_ERR_QUOTA_FRAMES,
		[LEDGER_VIRTUAL] = CAPOS_ERR_QUOTA_VIRTUAL,
		[LEDGER_RING_SCRATCH] = CAPOS_ERR_QUOTA_RING_SCRATCH,
		[LEDGER_CALLS] = CAPOS_ERR_QUOTA_CALLS,
		[LEDGER_CHILDREN] = CAPOS_ERR_QUOTA_CHILDREN,
		[LEDGER_THREADS] = CAPOS_ERR_QUOTA_THREADS,
		[LEDGER_KERNEL_BYTES] = CAPOS_ERR_QUOTA_KERNEL_MEMORY,
	};
	return (unsigned)c < LEDGER_CLASS_COUNT ? codes[c] : CAPOS_ERR_INVALID;
}

/* Charges n units of class c. Errors: the class's CAPOS_ERR_QUOTA_* when used + n would
 * pass the limit (nothing charged); CAPOS_ERR_INVALID for an unknown class. */
static inline int ledger_reserve(struct ledger *l, enum ledger_class c, uint64_t n)
{
	if ((unsigned)c >= LEDGER_CLASS_COUNT)
		return CAPOS_ERR_INVALID;
	if (n > l->limit[c] - l->used[c]) /* used <= limit always holds */
		return ledger_quota_error(c);
	l->used[c] += n;
	if (l->used[c] > l->peak[c])
		l->peak[c] = l->used[c];
	return CAPOS_OK;
}

/* Returns n units of class c. Releasing more than is charged is a kernel bug: the
 * counter stops at 0 and `underflows` records it for proc_free's leak report. */
static inline void ledger_release(struct ledger *l, enum ledger_class c, uint64_t n)
{
	if ((unsigned)c >= LEDGER_CLASS_COUNT)
		return;
	if (n > l->used[c]) {
		l->underflows++;
		n = l->used[c];
	}
	l->used[c] -= n;
}

/* Reserves n units of class c into *h (see ledger_reserve for errors; *h is empty on
 * failure, so ledger_drop on it is harmless). */
static inline int ledger_hold(struct ledger *l, enum ledger_class c, uint64_t n,
			      struct ledger_hold *h)
{
	int err = ledger_reserve(l, c, n);

	*h = (struct ledger_hold){ .ledger = l, .cls = c, .n = err ? 0 : n };
	return err;
}

/* Keeps the held charge: it now belongs to whatever was created, which releases it. */
static inline void ledger_commit(struct ledger_hold *h)
{
	h->n = 0;
}

/* Returns an uncommitted hold; no-op after ledger_commit or a second drop. */
static inline void ledger_drop(struct ledger_hold *h)
{
	if (h->n != 0)
		ledger_release(h->ledger, h->cls, h->n);
	h->n = 0;
}

/* Units of class c still available. */
static inline uint64_t ledger_room(const struct ledger *l, enum ledger_class c)
{
	return l->limit[c] - l->used[c];
}

/*
 * Frame charges of the address-space code (kernel/proc/vm.c): quota exhaustion is
 * CAPOS_ERR_QUOTA_FRAMES; the frame allocator's own CAPOS_ERR_NO_MEMORY stays the
 * answer when the machine is out of frames.
 */
static inline int ledger_charge_frames(struct ledger *l, uint64_t n)
{
	return ledger_reserve(l, LEDGER_FRAMES, n);
}

static inline void ledger_release_frames(struct ledger *l, uint64_t n)
{
	ledger_release(l, LEDGER_FRAMES, n);
}

#endif
