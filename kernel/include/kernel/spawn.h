/*
 * Process spawning (docs/spawn.md): the ProcessSpawner and ProcessHandle kernel
 * objects (kernel/cap/spawner.c) and the pure decode of a spawn request
 * (kernel/cap/spawn_decode.c, compiled unmodified into the host tests).
 *
 * ProcessSpawner.spawn(name, binaryName, grants, profile) starts a binary packaged in
 * the boot module as a new process holding exactly `grants`, each under its
 * child-visible name in the child's CapSet page. It is decoded completely first
 * (spawn_decode: names, bounds, every held index, every mode, the binary and its ELF)
 * and only then invoked; an error at any step of the invoke destroys the half-built
 * child, so the frame count and the live-object count are back where they were.
 * The ProcessHandle comes back as a non-transferable result cap.
 *
 * Lock legend: [I] immutable after creation; [S] scheduler state (boot CPU, interrupts
 * off; SMP: the process-table lock).
 */
#ifndef KERNEL_SPAWN_H
#define KERNEL_SPAWN_H

#include <stdbool.h>
#include <stdint.h>

#include <capnp/capnp.h>
#include <capos/capset.h>
#include <kernel/captab.h>
#include <kernel/kobj.h>
#include <kernel/profile.h>

/* Bounds of one spawn request (each refused with a typed error beyond it). */
#define SPAWN_MAX_GRANTS 32u	  /* CapGrant entries (CAPOS_ERR_SPAWN_TOO_MANY_GRANTS) */
#define SPAWN_NAME_MAX 15u	  /* process name bytes (PROC_NAME_MAX - 1) */
#define SPAWN_BINARY_NAME_MAX 63u /* binaryName bytes (the manifest's name bound) */
#define SPAWN_GRANT_NAME_MAX (CAPOS_CAPSET_NAME_MAX - 1u) /* CapSet name bytes */
#define SPAWN_MAX_EXPORTS 4u /* `endpoint` kernel grants (CAPOS_ERR_SPAWN_TOO_MANY_EXPORTS) */
#define SPAWN_MAX_CAPS_OUT (SPAWN_MAX_EXPORTS + 1u) /* result caps: exports, the handle */

/* resourceProfiles entries the kernel reads (the clamps: kernel/profile.h). */
#define SPAWN_MAX_PROFILES 256u

/* Where a grant's cap comes from. */
enum spawn_grant_kind {
	SPAWN_GRANT_KERNEL = 0, /* a fresh kernel object (kgrant kind in `kind`) */
	SPAWN_GRANT_HELD = 1,	/* caps_in[held], copied or moved by the CALL's descriptor */
	SPAWN_GRANT_FACET = 2,	/* a client facet of the raw endpoint caps_in[held] */
	SPAWN_GRANT_MINT = 3,	/* caps_in[held], an unbadged facet, copied with g's badge */
};

/* One decoded grant. */
struct spawn_grant {
	char name[CAPOS_CAPSET_NAME_MAX]; /* NUL-terminated child-visible name */
	uint32_t name_len;
	uint8_t kind;	       /* enum spawn_grant_kind */
	uint8_t mode;	       /* enum capos_TransferMode */
	uint16_t source;       /* SPAWN_GRANT_KERNEL: enum capos_KernelCapSource */
	uint32_t held;	       /* SPAWN_GRANT_HELD, _FACET, _MINT: index into caps_in */
	uint64_t interface_id; /* facets and endpoint sources: the served interface */
	uint64_t badge;	       /* facets and endpoint sources: the facet's badge */
};

/* A decoded, validated spawn request: everything the invoke step needs. */
struct spawn_request {
	char name[SPAWN_NAME_MAX + 1]; /* NUL-terminated process name */
	const uint8_t *image;	       /* the child's ELF inside the boot module */
	uint64_t image_len;
	bool has_profile;	   /* a named profile: `limits`; else the parent's limits */
	struct proc_limits limits; /* has_profile: every field read, clamped (profile.h) */
	uint32_t ngrants;
	uint32_t nexports; /* `endpoint` kernel grants: each returns a facet to the parent */
	struct spawn_grant grants[SPAWN_MAX_GRANTS];
};

/*
 * spawn_find_binary: the image of the binary called name[0..len) in the boot module
 * module[0..module_len) (a framed SystemManifest, schema/manifest.capnp), read under
 * the manifest decoder's bounds. Pure. Errors: CAPOS_ERR_SPAWN_UNKNOWN_BINARY (no
 * such entry, empty or over-long name, or an entry without an image),
 * CAPOS_ERR_MANIFEST_TOO_MANY_BINARIES, CAPOS_ERR_CAPNP_* (malformed module).
 */
int spawn_find_binary(const void *module, uint64_t module_len, const char *name, uint32_t len,
		      const uint8_t **image, uint64_t *image_len);

/*
 * spawn_find_profile: the limits of the ResourceProfile called name[0..len) in the boot
 * module's SystemManifest.resourceProfiles: every field (capSlots, framePages,
 * virtualBytes, ringScratchBytes, outstandingCalls, endpointQueueDepth,
 * endpointInFlight, childProcesses, threads, maxWeight, kernelBytes; unset fields read
 * as the schema defaults), each lowered to its kernel clamp (profile_clamp). Pure.
 * Errors: CAPOS_ERR_SPAWN_PROFILE (no such profile, one with 0 frames or 0 slots, or
 * more than SPAWN_MAX_PROFILES profiles in the module),
 * CAPOS_ERR_MANIFEST_TOO_LARGE, CAPOS_ERR_CAPNP_* (malformed module).
 */
int spawn_find_profile(const void *module, uint64_t module_len, const char *name, uint32_t len,
		       struct proc_limits *out);

/*
 * spawn_init_profile: init's limits from the boot module: the profile its ProcessEntry
 * names, or, when that name is empty, the profile called "default" (the manifest's
 * rule); when the name is empty and no "default" exists, the kernel defaults
 * (profile_defaults). Pure. Errors: spawn_find_profile's (a named profile that is
 * missing or unusable is CAPOS_ERR_SPAWN_PROFILE: init does not start). The kernel's
 * manifest decoder has checked that init exists; a missing one reads as no name.
 */
int spawn_init_profile(const void *module, uint64_t module_len, struct proc_limits *out);

/*
 * spawn_decode: validates ProcessSpawner.spawn params (`params`, already framed) with
 * the caps sent alongside (caps_in[0..ncaps_in), capnp cap index order) against the
 * boot module, mutating nothing but *req. Checks, in this order:
 *   name: 1..SPAWN_NAME_MAX printable ASCII bytes        CAPOS_ERR_SPAWN_NAME
 *   profile: empty (the parent's limits) or a ResourceProfile of the module
 *                                                         CAPOS_ERR_SPAWN_PROFILE
 *   grants: at most SPAWN_MAX_GRANTS                      CAPOS_ERR_SPAWN_TOO_MANY_GRANTS
 *   each grant, in list order:
 *     name a CapSet name (1..47 of [a-z0-9._-])           CAPOS_ERR_SPAWN_GRANT_NAME
 *     name unique in the request                          CAPOS_ERR_SPAWN_DUPLICATE_GRANT
 *     mode inside TransferMode                            CAPOS_ERR_SPAWN_BAD_MODE
 *     held: index < ncaps_in                              CAPOS_ERR_SPAWN_NOT_HELD
 *           index not named by an earlier grant           CAPOS_ERR_SPAWN_CAP_REUSED
 *           clientFacet: the cap is a raw endpoint, or a copyable client facet
 *                        (then: a badged copy of it, SPAWN_GRANT_MINT)
 *                                                         CAPOS_ERR_SPAWN_BAD_MODE
 *                        interfaceId non-zero, not Endpoint's, and for a facet
 *                        its own interface                CAPOS_ERR_SPAWN_FACET_INTERFACE
 *                        a facet: unbadged (badge 0); a badged one is never
 *                        re-badged                        CAPOS_ERR_FACET_BADGED
 *           copy/move: the cap permits the mode (no copy of a move-only cap)
 *                                                         CAPOS_ERR_SPAWN_BAD_MODE
 *     kernel: console, timer, virtualMemory, processSpawner, endpoint,
 *             frameAllocator, entropySource, systemStatus or systemControl
 *                                                         CAPOS_ERR_SPAWN_BAD_SOURCE
 *             mode copy                                   CAPOS_ERR_SPAWN_BAD_MODE
 *             endpoint: interfaceId as for clientFacet     CAPOS_ERR_SPAWN_FACET_INTERFACE
 *                       at most SPAWN_MAX_EXPORTS of them  CAPOS_ERR_SPAWN_TOO_MANY_EXPORTS
 *     a union tag this schema does not know               CAPOS_ERR_SPAWN_BAD_SOURCE
 *   every caps_in entry named by some grant               CAPOS_ERR_SPAWN_CAP_UNUSED
 *   binaryName packaged in the module                     CAPOS_ERR_SPAWN_UNKNOWN_BINARY
 *   its image a loadable ELF (elf_validate)               CAPOS_ERR_ELF_*
 * and reader errors of malformed params as CAPOS_ERR_CAPNP_*. `elf_scratch` is the
 * validator's workspace (struct elf_image). Preconditions: req, params non-null.
 */
struct elf_image;
int spawn_decode(struct capnp_msg *params, const struct captab_item *caps_in, uint32_t ncaps_in,
		 const void *module, uint64_t module_len, struct elf_image *elf_scratch,
		 struct spawn_request *req);

/*
 * spawn_check_modes: after spawn_decode accepted `req`, checks that every held grant's
 * mode agrees with the transfer descriptor its cap was sent with (caps_in_move[i]
 * non-zero: descriptor i is CAPOS_XFER_MOVE, kcall_ctx.caps_in_move), so that the
 * parent keeps exactly the caps the grants say it keeps: a `copy` grant needs a COPY
 * descriptor, a `move` grant a MOVE descriptor, and a `clientFacet` grant a COPY
 * descriptor (the parent keeps its raw endpoint). Grants in list order; the first
 * disagreement is CAPOS_ERR_SPAWN_MODE_MISMATCH. CAPOS_ERR_SPAWN_NOT_HELD for a held
 * index outside caps_in (or no modes given): a request not from spawn_decode. Pure.
 */
int spawn_check_modes(const struct spawn_request *req, const uint8_t *caps_in_move,
		      uint32_t ncaps_in);

/* ---- Kernel objects (kernel/cap/spawner.c; kernel only). */

struct process;
struct kcall_iface;

/* ProcessSpawner: spawns from the boot module it was created over. */
struct kspawner {
	struct kobj k;
	const uint8_t *module; /* [I] the boot module, kernel-mapped, never freed */
	uint64_t module_len;   /* [I] */
	uint32_t children;     /* [S] live children spawned through this object (logs) */
	uint64_t spawned;      /* [S] children started, for logs */
};

struct ledger;

/*
 * Creates a ProcessSpawner over the boot module (one reference, the caller's), charged
 * to `payer` (its grantee; NULL: uncharged). Errors: CAPOS_ERR_NO_MEMORY,
 * CAPOS_ERR_INVALID (no module), CAPOS_ERR_QUOTA_KERNEL_MEMORY,
 * CAPOS_ERR_KERNEL_LOW_MEMORY.
 */
int kspawner_create(const uint8_t *module, uint64_t len, struct ledger *payer, struct kobj **out);

extern const struct kcall_iface kspawner_iface;
extern const struct kcall_iface kproc_handle_iface;

#endif
