/*
 * Resource profiles as the kernel applies them (docs/resources.md): the limits a
 * ResourceProfile (schema/manifest.capnp) gives a process, the kernel's clamps on each
 * (the profile is policy, these are the kernel's own limits) and the kernel defaults
 * for a process no profile names (init without a manifest profile, the kernel's test
 * and benchmark processes).
 *
 * Where the limits come from: spawn_find_profile (kernel/cap/spawn_decode.c) reads a
 * named profile of the boot module and clamps it; an empty profile name in a spawn
 * request inherits the parent's limits (profile_inherit); proc_create applies them to
 * the new process's ledger (profile_apply). Pure inline code, host-tested
 * (tests/host/kernel/spawn_test.c, profile_* tests).
 */
#ifndef KERNEL_PROFILE_H
#define KERNEL_PROFILE_H

#include <stdint.h>

#include <capos/capid.h>
#include <capos/layout.h>
#include <kernel/endpoint.h>
#include <kernel/ledger.h>

/* Kernel clamps: a profile value above one of these is lowered to it. */
#define PROFILE_MAX_CAP_SLOTS 1024u	/* cap-table slots (ABI ceiling 65,536) */
#define PROFILE_MAX_FRAMES (1ull << 20) /* 4 GiB of frames */
#define PROFILE_MAX_VIRTUAL (CAPOS_USER_ANON_END - CAPOS_USER_ANON_BASE) /* the region */
#define PROFILE_MAX_RING_SCRATCH (1ull << 20)		 /* bytes of kernel CALL scratch */
#define PROFILE_MAX_CALLS 1024u				 /* calls in flight */
#define PROFILE_MAX_CHILDREN 256u			 /* live children */
#define PROFILE_MAX_THREADS 64u				 /* live threads */
#define PROFILE_MAX_KERNEL_BYTES (64ull << 20)		 /* kernel heap bytes */
#define PROFILE_MAX_EP_QUEUE ENDPOINT_QUEUE_MAX		 /* queued calls per owned endpoint */
#define PROFILE_MAX_EP_IN_FLIGHT ENDPOINT_IN_SERVICE_MAX /* unanswered per endpoint */
#define PROFILE_MAX_WEIGHT 16u				 /* SchedulingPolicy weight */

/* Kernel defaults: the limits of a process no profile names. */
#define PROFILE_DEFAULT_CAP_SLOTS 64u
#define PROFILE_DEFAULT_FRAMES 1024u		  /* 4 MiB */
#define PROFILE_DEFAULT_VIRTUAL (1ull << 30)	  /* 1 GiB, the schema default */
#define PROFILE_DEFAULT_RING_SCRATCH 65536u	  /* the schema default */
#define PROFILE_DEFAULT_CALLS 64u		  /* the schema default */
#define PROFILE_DEFAULT_CHILDREN 16u		  /* the schema default */
#define PROFILE_DEFAULT_THREADS 16u		  /* the schema default */
#define PROFILE_DEFAULT_KERNEL_BYTES (1ull << 20) /* 1 MiB, the schema default */
#define PROFILE_DEFAULT_WEIGHT 16u		  /* the schema default */

/* Every limit of a process: the ledger's per class, the endpoint bounds, the weight. */
struct proc_limits {
	uint64_t limit[LEDGER_CLASS_COUNT]; /* per quota class, clamped */
	uint32_t ep_queue_depth;	    /* queued calls per endpoint the process owns */
	uint32_t ep_in_flight;		    /* unanswered calls per endpoint it owns */
	uint32_t max_weight; /* highest scheduling weight SchedulingPolicy.setWeight grants
				(kernel/cap/schedpol.c) */
};

static inline uint64_t profile_min(uint64_t v, uint64_t max)
{
	return v < max ? v : max;
}

/* Lowers every value of *l to its kernel clamp. */
static inline void profile_clamp(struct proc_limits *l)
{
	static const uint64_t max[LEDGER_CLASS_COUNT] = {
		[LEDGER_CAP_SLOTS] = PROFILE_MAX_CAP_SLOTS,
		[LEDGER_FRAMES] = PROFILE_MAX_FRAMES,
		[LEDGER_VIRTUAL] = PROFILE_MAX_VIRTUAL,
		[LEDGER_RING_SCRATCH] = PROFILE_MAX_RING_SCRATCH,
		[LEDGER_CALLS] = PROFILE_MAX_CALLS,
		[LEDGER_CHILDREN] = PROFILE_MAX_CHILDREN,
		[LEDGER_THREADS] = PROFILE_MAX_THREADS,
		[LEDGER_KERNEL_BYTES] = PROFILE_MAX_KERNEL_BYTES,
	};

	for (unsigned c = 0; c < LEDGER_CLASS_COUNT; c++)
		l->limit[c] = profile_min(l->limit[c], max[c]);
	l->ep_queue_depth = (uint32_t)profile_min(l->ep_queue_depth, PROFILE_MAX_EP_QUEUE);
	l->ep_in_flight = (uint32_t)profile_min(l->ep_in_flight, PROFILE_MAX_EP_IN_FLIGHT);
	l->max_weight = (uint32_t)profile_min(l->max_weight, PROFILE_MAX_WEIGHT);
}

/* The kernel defaults (already within the clamps). */
static inline void profile_defaults(struct proc_limits *l)
{
	*l = (struct proc_limits){
		.limit = {
			[LEDGER_CAP_SLOTS] = PROFILE_DEFAULT_CAP_SLOTS,
			[LEDGER_FRAMES] = PROFILE_DEFAULT_FRAMES,
			[LEDGER_VIRTUAL] = PROFILE_DEFAULT_VIRTUAL,
			[LEDGER_RING_SCRATCH] = PROFILE_DEFAULT_RING_SCRATCH,
			[LEDGER_CALLS] = PROFILE_DEFAULT_CALLS,
			[LEDGER_CHILDREN] = PROFILE_DEFAULT_CHILDREN,
			[LEDGER_THREADS] = PROFILE_DEFAULT_THREADS,
			[LEDGER_KERNEL_BYTES] = PROFILE_DEFAULT_KERNEL_BYTES,
		},
		.ep_queue_depth = PROFILE_MAX_EP_QUEUE,
		.ep_in_flight = PROFILE_MAX_EP_IN_FLIGHT,
		.max_weight = PROFILE_DEFAULT_WEIGHT,
	};
}

/* The limits of the process owning ledger `l` (a spawn with an empty profile). */
static inline void profile_inherit(const struct ledger *l, struct proc_limits *out)
{
	for (unsigned c = 0; c < LEDGER_CLASS_COUNT; c++)
		out->limit[c] = l->limit[c];
	out->ep_queue_depth = l->ep_queue_depth;
	out->ep_in_flight = l->ep_in_flight;
	out->max_weight = l->max_weight;
}

/* Sets a fresh ledger's limits (nothing charged yet). */
static inline void profile_apply(const struct proc_limits *lim, struct ledger *l)
{
	for (unsigned c = 0; c < LEDGER_CLASS_COUNT; c++)
		l->limit[c] = lim->limit[c];
	l->ep_queue_depth = lim->ep_queue_depth;
	l->ep_in_flight = lim->ep_in_flight;
	l->max_weight = lim->max_weight;
}

#endif
