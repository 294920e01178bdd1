/*
 * manifest.h: the kernel's view of the boot manifest (kernel/boot/manifest.c).
 *
 * The boot module is a framed Cap'n Proto SystemManifest (schema/manifest.capnp) built
 * by tools/mkmanifest. The kernel trusts none of it: kmanifest_decode reads only what
 * the kernel needs to start init (schema version, init's binary image, init's
 * capability grants, kernel parameters) under fixed traversal and nesting limits,
 * validates every field it reads and returns a typed error (CAPOS_ERR_MANIFEST_*, or
 * the lib/capnp error for a malformed message) naming the field that failed. The rest
 * of the graph (services, exports, profiles) is init's business: init reads the whole
 * manifest through BootPackage and validates it again.
 *
 * The decoder is pure (no allocation, no globals, no kernel services), so the same file
 * is compiled into the kernel, into host tests, into a libFuzzer target and into
 * tools/mkmanifest, which runs it over every manifest it writes: a module the tool
 * accepts is one the kernel accepts.
 */
#ifndef KERNEL_MANIFEST_H
#define KERNEL_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <manifest/manifest.h>

/* Bounds of the kernel's view (also enforced by tools/mkmanifest); the ones lib/manifest
 * shares are its values (lib/include/manifest/manifest.h). */
#define KMANIFEST_MAX_MODULE_BYTES MANIFEST_MAX_MESSAGE_BYTES /* whole boot module */
#define KMANIFEST_MAX_SEGMENTS MANIFEST_MAX_SEGMENTS	      /* framed segment table entries */
#define KMANIFEST_NESTING 8				      /* pointer depth the kernel follows */
#define KMANIFEST_MAX_BINARIES MANIFEST_MAX_BINARIES	   /* entries of SystemManifest.binaries */
#define KMANIFEST_MAX_IMAGE_BYTES MANIFEST_MAX_IMAGE_BYTES /* one ELF image */
#define KMANIFEST_MAX_GRANTS MANIFEST_MAX_CAPS		   /* caps in init's CapSet */
#define KMANIFEST_MAX_NAME MANIFEST_MAX_NAME		   /* bytes of a binary or grant name */
#define KMANIFEST_MAX_MOTD MANIFEST_MAX_MOTD		   /* bytes of kernelParams.motd */
#define KMANIFEST_MAX_TIMER_HZ MANIFEST_MAX_TIMER_HZ	   /* kernelParams.timerHz upper bound */
#define KMANIFEST_MAX_CPUS MANIFEST_MAX_CPUS		   /* kernelParams.maxCpus upper bound */

/*
 * Traversal budget in words: every word of a well-formed module is read at most once
 * by the decoder, so the module size in words (plus slack for zero-sized list
 * elements, which are charged one word each) bounds honest traversal; amplification
 * through shared (aliased) pointers runs into it.
 */
#define KMANIFEST_TRAVERSAL_SLACK_WORDS 4096u

/* One capability init receives from a kernel source. */
struct kmanifest_grant {
	char name[KMANIFEST_MAX_NAME + 1]; /* NUL-terminated CapSet name */
	uint32_t name_len;
	uint16_t source;       /* enum capos_KernelCapSource (console, timer, ...) */
	uint16_t mode;	       /* enum capos_TransferMode */
	uint64_t interface_id; /* the source's interface (capos_<Iface>_TYPE_ID) */
};

/* Kernel parameters (schema defaults when the manifest has none). */
struct kmanifest_params {
	bool present;	   /* SystemManifest.kernelParams was set */
	uint8_t log_level; /* enum manifest_KernelParams_LogLevel */
	uint32_t timer_hz; /* 1 .. KMANIFEST_MAX_TIMER_HZ */
	uint32_t max_cpus; /* 0 (all) .. KMANIFEST_MAX_CPUS */
	const char *motd;  /* NUL-terminated, points into the module ("" if unset) */
	uint32_t motd_len;
};

/* Everything the kernel takes from the boot module. Pointers point into the module,
 * which must stay mapped and unmodified while the view is used. */
struct kmanifest_view {
	uint32_t schema_version;
	char init_name[KMANIFEST_MAX_NAME + 1]; /* init's binary name */
	uint32_t init_name_len;
	const uint8_t *init_image; /* ELF bytes inside the module */
	uint32_t init_image_len;
	uint32_t ngrants;
	struct kmanifest_grant grants[KMANIFEST_MAX_GRANTS];
	struct kmanifest_params params;
};

/* Where decoding failed: `field` is a schema path with "[]" standing for the list
 * index `index` (-1 when no list is involved), e.g. "initConfig.init.caps[].source". */
struct kmanifest_error {
	const char *field;
	int32_t index;
};

/*
 * kmanifest_decode: decode and validate the boot module module[0..len).
 * On success returns 0 and fills *view. On failure returns a negative code, fills
 * *err (never NULL-dereferenced: err may be NULL) and leaves *view zeroed.
 * Preconditions: view != NULL; module readable for len bytes (any alignment).
 * Errors:
 *   CAPOS_ERR_INVALID                 view NULL or module NULL with len > 0
 *   CAPOS_ERR_MANIFEST_TOO_LARGE      len > KMANIFEST_MAX_MODULE_BYTES
 *   CAPOS_ERR_CAPNP_*                 malformed framing, pointers, lists or text
 *   CAPOS_ERR_MANIFEST_TRAILING       bytes after the framed message
 *   CAPOS_ERR_MANIFEST_VERSION        schemaVersion != manifest_currentSchemaVersion
 *                                     (also a null root or a struct of another type)
 *   CAPOS_ERR_MANIFEST_NO_INIT        initConfig or initConfig.init absent
 *   CAPOS_ERR_MANIFEST_NAME           a name empty, over KMANIFEST_MAX_NAME or with NUL
 *   CAPOS_ERR_MANIFEST_TOO_MANY_BINARIES  binaries longer than KMANIFEST_MAX_BINARIES
 *   CAPOS_ERR_MANIFEST_INIT_MISSING   init.binary names no entry of binaries
 *   CAPOS_ERR_MANIFEST_DUPLICATE      init's binary name twice, or a grant name twice
 *   CAPOS_ERR_MANIFEST_IMAGE          init's image empty, oversize or not ELF64 x86_64
 *   CAPOS_ERR_MANIFEST_TOO_MANY_GRANTS init.caps longer than KMANIFEST_MAX_GRANTS
 *   CAPOS_ERR_MANIFEST_GRANT_SOURCE   an init grant is not a kernel source
 *   CAPOS_ERR_MANIFEST_UNKNOWN_SOURCE kernel source none/unknown or not in ABI v1
 *   CAPOS_ERR_MANIFEST_INTERFACE      declared interface unknown or not the source's
 *   CAPOS_ERR_MANIFEST_BAD_ENUM       transfer mode or log level outside the schema
 *   CAPOS_ERR_MANIFEST_KERNEL_PARAM   timerHz, maxCpus or motd out of range
 */
int kmanifest_decode(const void *module, size_t len, struct kmanifest_view *view,
		     struct kmanifest_error *err);

/* The interface id a kernel cap source provides in ABI v1, or 0 if the source is not
 * one the kernel grants from a manifest (v1: console, timer, virtualMemory,
 * bootPackage, processSpawner; endpoint, capabilityManager, frameAllocator;
 * entropySource, systemControl, systemStatus). */
uint64_t kmanifest_source_interface(uint16_t source);

/* The interface id of a schema interface name ("Console"), from the tables capnpc-c
 * generates (lib/manifest/iface.c, manifest_interface_by_name); 0 if unknown. */
uint64_t kmanifest_interface_by_name(const char *name, uint32_t len);

/* Kernel only (kernel/boot/boot.c): the view decoded from the boot module at boot,
 * or NULL before boot_info_load succeeded or when the module was rejected. Its pointers are direct-map addresses of
 * the module, which stays reserved. */
const struct kmanifest_view *boot_manifest_view(void);

/* Kernel only: CAPOS_OK if the boot module decoded, else the decoder's error (or
 * CAPOS_ERR_NOT_FOUND before boot_info_load ran). Not yet fatal at boot: the code that
 * starts init from boot_manifest_view() must refuse to boot on a non-zero status. */
int boot_manifest_status(void);

#endif
