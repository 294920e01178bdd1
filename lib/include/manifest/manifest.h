/*
 * lib/manifest: decode and validate a SystemManifest (schema/manifest.capnp) and merge an
 * operator overlay into it (docs/manifest.md).
 *
 * Freestanding C with no allocation: built for host tools (tools/mkmanifest), host tests,
 * libFuzzer, userspace init and (lib/manifest/iface.c only) the kernel. The caller supplies
 * every buffer: the message, the plan the decoder fills, and the report that collects the
 * findings.
 *
 * manifest_check() = manifest_decode() + manifest_validate(). Decoding reads the whole
 * manifest under explicit limits (message size, segments, nesting, traversal, list
 * lengths, name lengths) into a `struct manifest_plan` whose texts point into the
 * message. Validation checks the authority graph: every process names a known binary and
 * profile, every cap has a known source and a declared interface that matches it, every
 * import names an export of an earlier service with the same interface, imports form no
 * cycle, names are well-formed and unique, restart policies are sane. Each finding is a
 * typed error (include/capos/error.h, "manifest pipeline and graph validation") plus a
 * one-line message naming the service and field, e.g.
 *   service "kv-client": caps[1] "kv": imports "kv.store" which service "kv" does not export
 * Validation does not stop at the first finding; a malformed message (lib/capnp error)
 * or a limit that makes the rest unreadable does.
 */
#ifndef MANIFEST_MANIFEST_H
#define MANIFEST_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <capnp/capnp.h>

/* Limits of the decoder (the kernel's decoder uses the shared ones too). */
#define MANIFEST_MAX_MESSAGE_BYTES (64u << 20) /* whole framed manifest */
#define MANIFEST_MAX_SEGMENTS 64u	       /* framed segment table entries */
#define MANIFEST_NESTING 16		       /* pointer depth followed */
#define MANIFEST_TRAVERSAL_SLACK_WORDS 4096u   /* traversal budget: message words + this */
#define MANIFEST_MAX_NAME 63u		       /* bytes of any name */
#define MANIFEST_MAX_BINARIES 256u	       /* SystemManifest.binaries */
#define MANIFEST_MAX_SERVICES 64u	       /* InitConfig.services */
#define MANIFEST_MAX_CAPS 32u		       /* caps of one process */
#define MANIFEST_MAX_EXPORTS 16u	       /* exports of one service */
#define MANIFEST_MAX_TOTAL_CAPS 512u	       /* caps of init and all services */
#define MANIFEST_MAX_TOTAL_EXPORTS 256u	       /* exports of all services */
#define MANIFEST_MAX_PROFILES 32u	       /* SystemManifest.resourceProfiles */
#define MANIFEST_MAX_RESTART_BUDGET 100u       /* Service.restartBudget under `restart` */
#define MANIFEST_MAX_IMAGE_BYTES (16u << 20)   /* one ELF image */
#define MANIFEST_MAX_MOTD 255u		       /* bytes of kernelParams.motd */
#define MANIFEST_MAX_TIMER_HZ 10000u	       /* kernelParams.timerHz upper bound */
#define MANIFEST_MAX_CPUS 256u		       /* kernelParams.maxCpus upper bound */
#define MANIFEST_MAX_FINDINGS 32u	       /* findings a report records (more are counted) */

#define MANIFEST_NONE 0xffffu /* "no index" in the plan's uint16_t references */

/* manifest_validate / manifest_check flags. */
#define MANIFEST_CHECK_IMAGES 0x1u /* every binary a process names carries an ELF64 image */

/* A name or text inside the message (NUL-terminated there). */
struct manifest_text {
	const char *str;
	uint32_t len;
};

enum manifest_source_kind {
	MANIFEST_SOURCE_KERNEL = 0,  /* a kernel object (capos_KernelCapSource) */
	MANIFEST_SOURCE_SERVICE = 1, /* an export of an earlier service (client facet) */
	MANIFEST_SOURCE_BOOT = 2,    /* a platform device named by the kernel */
};

/* One CapEntry of a process. */
struct manifest_cap {
	struct manifest_text name;
	struct manifest_text interface;
	uint64_t interface_id; /* declared interface's id (0 while unknown) */
	uint16_t kind;	       /* enum manifest_source_kind (raw union tag while undecided) */
	uint16_t mode;	       /* enum capos_TransferMode */
	uint16_t kernel;       /* capos_KernelCapSource when kind == KERNEL */
	uint16_t service;      /* exporting service index when kind == SERVICE (after validate) */
	uint16_t export_index; /* global export index when kind == SERVICE (after validate) */
	struct manifest_text import_service; /* kind == SERVICE: the names as written */
	struct manifest_text import_export;
	struct manifest_text boot; /* kind == BOOT */
};

/* One Export of a service. */
struct manifest_export {
	struct manifest_text name;
	struct manifest_text interface;
	struct manifest_text cap; /* name of the exporting service's endpoint cap */
	uint64_t interface_id;	  /* served interface (0 while unknown) */
	uint16_t cap_index;	  /* global cap index of that endpoint (after validate) */
};

/* A ProcessEntry: init's or a service's. */
struct manifest_process {
	struct manifest_text binary;
	struct manifest_text profile;
	uint16_t binary_index;	/* index into plan.binaries (after validate) */
	uint16_t profile_index; /* index into plan.profiles, MANIFEST_NONE for the default */
	uint32_t first_cap;	/* caps[first_cap .. first_cap + ncaps) */
	uint32_t ncaps;
};

struct manifest_service {
	struct manifest_text name;
	struct manifest_process process;
	uint32_t first_export; /* exports[first_export .. first_export + nexports) */
	uint32_t nexports;
	uint16_t restart; /* enum manifest_RestartPolicy */
	uint32_t restart_budget;
	uint64_t badge;
};

struct manifest_binary {
	struct manifest_text name;
	const uint8_t *image; /* into the message; NULL/0 in source manifests */
	uint32_t image_len;
};

struct manifest_profile {
	struct manifest_text name;
	uint32_t cap_slots;
	uint64_t frame_pages;
	uint64_t virtual_bytes;
	uint32_t ring_scratch_bytes, outstanding_calls, endpoint_queue_depth, endpoint_in_flight;
	uint32_t child_processes, threads, max_weight;
};

struct manifest_kernel_params {
	struct manifest_text motd;
	uint16_t log_level;
	uint32_t timer_hz;
	uint32_t max_cpus;
};

/* Everything in a manifest, bounded; texts and images point into the message, which must
 * stay mapped and unmodified while the plan is used (about 80 KiB: allocate it). */
struct manifest_plan {
	uint32_t schema_version;
	uint32_t nbinaries, nprofiles, nservices, ncaps, nexports;
	struct manifest_process init;
	struct manifest_kernel_params params;
	struct manifest_binary binaries[MANIFEST_MAX_BINARIES];
	struct manifest_profile profiles[MANIFEST_MAX_PROFILES];
	struct manifest_service services[MANIFEST_MAX_SERVICES];
	struct manifest_cap caps[MANIFEST_MAX_TOTAL_CAPS];
	struct manifest_export exports[MANIFEST_MAX_TOTAL_EXPORTS];
};

/* One finding: its code and its message (report->buf + offset, NUL-terminated). */
struct manifest_finding {
	int code;
	uint32_t offset;
	uint32_t len;
};

/* Findings of a decode/validate/merge run, written into a caller-supplied text buffer.
 * Messages that do not fit are truncated (the finding and its code are still recorded
 * while there are slots); findings past MANIFEST_MAX_FINDINGS are only counted. */
struct manifest_report {
	char *buf;
	size_t size;
	size_t used;
	uint32_t nfindings; /* recorded in findings[] */
	uint32_t total;	    /* all findings, recorded or not */
	int first;	    /* code of the first finding (0: none) */
	size_t cur;	    /* private: start of the message being written */
	struct manifest_finding findings[MANIFEST_MAX_FINDINGS];
};

/* Initialise a report over buf[0..size) (size may be 0: codes only). */
void manifest_report_init(struct manifest_report *r, char *buf, size_t size);

/* The message of finding i (i < r->nfindings), "" if it did not fit. */
const char *manifest_report_message(const struct manifest_report *r, uint32_t i);

/*
 * manifest_decode: read the framed manifest buf[0..len) into *plan under the limits
 * above, recording findings in *rep. Returns 0 or the first finding's code.
 * Preconditions: plan, rep initialised by the caller (rep via manifest_report_init);
 * buf readable for len bytes (any alignment).
 * Errors (the message names the field): CAPOS_ERR_INVALID (NULL arguments),
 * CAPOS_ERR_MANIFEST_TOO_LARGE, CAPOS_ERR_CAPNP_* (framing, pointers, limits),
 * CAPOS_ERR_MANIFEST_TRAILING, CAPOS_ERR_MANIFEST_VERSION, CAPOS_ERR_MANIFEST_NO_INIT,
 * CAPOS_ERR_MANIFEST_LIMIT, CAPOS_ERR_MANIFEST_NO_PROCESS, CAPOS_ERR_MANIFEST_BAD_ENUM,
 * CAPOS_ERR_MANIFEST_KERNEL_PARAM.
 */
int manifest_decode(const void *buf, size_t len, struct manifest_plan *plan,
		    struct manifest_report *rep);

/*
 * manifest_validate: check a decoded plan's authority graph (docs/manifest.md has the
 * complete list of findings and message formats) and resolve its references
 * (binary_index, profile_index, service, export_index, cap_index). Returns 0 or the
 * first finding's code. flags: MANIFEST_CHECK_IMAGES.
 * Preconditions: manifest_decode returned 0 for plan.
 */
int manifest_validate(struct manifest_plan *plan, unsigned flags, struct manifest_report *rep);

/* manifest_decode, then manifest_validate if decoding succeeded. */
int manifest_check(const void *buf, size_t len, unsigned flags, struct manifest_plan *plan,
		   struct manifest_report *rep);

/*
 * manifest_merge: merge the overlay manifest ov[0..ov_len) into base[0..base_len) and
 * build the result as the root of *out (an initialised builder with room for both
 * messages). Rules (docs/manifest.md "Overlays"): schemaVersion 0 or equal; binaries,
 * services and resourceProfiles matched by name replace the base entry in place, new
 * names are appended in overlay order; kernelParams: motd when set, scalars when they
 * differ from the schema default; initConfig.init may not appear in the overlay.
 * Returns 0 or the first finding's code: CAPOS_ERR_MANIFEST_OVERLAY_CONFLICT (overlay
 * redefines init, has another schemaVersion or repeats a name), CAPOS_ERR_MANIFEST_LIMIT,
 * reader errors of either message, builder errors.
 */
int manifest_merge(const void *base, size_t base_len, const void *ov, size_t ov_len,
		   struct capnp_builder *out, struct manifest_report *rep);

/* ---- shared helpers (lib/manifest/iface.c; also linked into the kernel) */

/* The interface id of a schema interface name ("Console") from the tables capnpc-c
 * generates; 0 if unknown. */
uint64_t manifest_interface_by_name(const char *name, uint32_t len);

/* The schema name of an interface id, or NULL. */
const char *manifest_interface_name(uint64_t id);

/* The interface a kernel cap source provides (capos_KernelCapSource), 0 for `none` or a
 * value outside the schema. */
uint64_t manifest_kernel_source_interface(uint16_t source);

/* The schema name of a kernel cap source ("virtualMemory"), or NULL. */
const char *manifest_kernel_source_name(uint16_t source);

/* A name is 1..MANIFEST_MAX_NAME bytes of [a-z0-9._-] (the CapSet's alphabet). */
bool manifest_name_ok(const char *s, uint32_t len);

/* Plausible ELF64 little-endian x86_64 image of at most MANIFEST_MAX_IMAGE_BYTES. */
bool manifest_image_ok(const uint8_t *p, uint32_t len);

#endif
