/*
 * Machine-wide kernel capability objects (kernel/cap/entropy.c, sysctl.c,
 * sysstatus.c): EntropySource (bytes from the kernel CSPRNG), SystemControl
 * (shutdown) and SystemStatus (a read-only summary). Like kcaps.h's objects they are
 * pure: the CSPRNG, the power-off and the figures are backends the kernel plugs in
 * (kernel/proc/ksys.c), so host tests drive them with fakes. Each handler validates
 * every argument before it calls its backend.
 *
 * Lock legend: [I] set by *_init; backends do their own locking.
 */
#ifndef KERNEL_KSYS_H
#define KERNEL_KSYS_H

#include <stddef.h>
#include <stdint.h>

#include <kernel/kcall.h>
#include <kernel/kobj.h>

/* ---- EntropySource: getBytes(count), count in 1..KENTROPY_MAX_BYTES. */
#define KENTROPY_MAX_BYTES 256u

struct kentropy {
	struct kobj k;
	/* [I] n (1..KENTROPY_MAX_BYTES) bytes into out; 0 or a status
	 * (CAPOS_ERR_ENTROPY_UNSEEDED before the generator is seeded). */
	int (*generate)(void *ctx, void *out, size_t n);
	void *ctx;			     /* [I] */
	void (*destroy)(struct kentropy *e); /* [I] frees; may be NULL */
};

/*
 * EntropySource.getBytes(count): count outside 1..KENTROPY_MAX_BYTES is
 * CAPOS_ERR_ENTROPY_COUNT (an invalidArgument CapException) before the backend runs;
 * the backend's refusal (CAPOS_ERR_ENTROPY_UNSEEDED: `failed`) passes through.
 * Errors of init: CAPOS_ERR_INVALID (no generate function).
 */
int kentropy_init(struct kentropy *e, int (*generate)(void *, void *, size_t), void *ctx,
		  void (*destroy)(struct kentropy *));
extern const struct kcall_iface kentropy_iface;

/* ---- SystemControl: shutdown(code). */
struct ksysctl {
	struct kobj k;
	/* [I] stops the machine for `caller` (the kcall caller: a struct process * in the
	 * kernel) with exit code `code` (0 clean, else failure). The kernel's never returns;
	 * a host fake returns a status. */
	int (*shutdown)(void *ctx, void *caller, uint8_t code);
	void *ctx;			    /* [I] */
	void (*destroy)(struct ksysctl *s); /* [I] */
};

/* Errors of init: CAPOS_ERR_INVALID (no shutdown function). */
int ksysctl_init(struct ksysctl *s, int (*shutdown)(void *, void *, uint8_t), void *ctx,
		 void (*destroy)(struct ksysctl *));
extern const struct kcall_iface ksysctl_iface;

/* ---- SystemStatus: summary(). */
struct ksys_summary {
	const char *version; /* NUL-terminated */
	const char *motd;    /* motd_len bytes, NUL-terminated (kernelParams.motd) */
	uint32_t motd_len;
	uint32_t cpus;	       /* online */
	uint32_t cpus_present; /* listed by the firmware */
	uint32_t processes;    /* live */
	uint64_t memory_bytes; /* usable physical memory */
	uint64_t free_bytes;   /* free physical memory */
	uint64_t uptime_ns;
	uint64_t timer_interrupts; /* all online CPUs, since boot */
};

struct ksysstatus {
	struct kobj k;
	int (*summary)(void *ctx, struct ksys_summary *out); /* [I] 0 or a status */
	void *ctx;					     /* [I] */
	void (*destroy)(struct ksysstatus *s);		     /* [I] */
};

/* Errors of init: CAPOS_ERR_INVALID (no summary function). */
int ksysstatus_init(struct ksysstatus *s, int (*summary)(void *, struct ksys_summary *), void *ctx,
		    void (*destroy)(struct ksysstatus *));
extern const struct kcall_iface ksysstatus_iface;

#endif
