/*
 * Physical frame allocator (kernel/mm/frame.c). A frame pool is built from the boot
 * memory map and hands out 4 KiB frames. The pool type and its functions are pure
 * (host-tested over hostile maps); the kernel uses one global pool through
 * frame_alloc()/frame_free() (declared in kernel/mm.h). Owned by kmem.
 */
#ifndef KERNEL_FRAME_H
#define KERNEL_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kernel/bootinfo.h>

#define FRAME_SIZE 4096ull
#define FRAME_SHIFT 12
/* Highest physical address managed or direct-mapped; map entries beyond are
 * clipped and counted in frame_plan.ignored_bytes. */
#define FRAME_PHYS_LIMIT (1ull << 36) /* 64 GiB */
/* Low memory kept away from the allocator: real-mode IVT/BDA, EBDA, the AP
 * trampoline page at 0x8000, UEFI GRUB's modules at 0x4000, and the BIOS area. */
#define FRAME_LOW_RESERVED (1ull << 20)

/* What frame_plan() works out before any memory is touched. */
struct frame_plan {
	uint64_t nframes;	/* frames covered by the bitmaps: [0, nframes * 4 KiB) */
	uint64_t map_phys;	/* where the two bitmaps go (page-aligned) */
	uint64_t map_bytes;	/* bytes the bitmaps take (whole pages) */
	uint64_t total_bytes;	/* union of every map entry (any type), clipped */
	uint64_t ignored_bytes; /* available memory beyond FRAME_PHYS_LIMIT */
};

/*
 * A pool. Lock legend: none yet; only the boot CPU allocates until SMP bring-up,
 * which must add a spinlock protecting every field.
 */
struct frame_pool {
	uint64_t *free_map;	 /* bit set: frame is free */
	uint64_t *managed_map;	 /* bit set: frame belongs to the pool (free or allocated) */
	uint64_t nframes;	 /* frames covered by the maps */
	uint64_t nwords;	 /* 64-bit words per map */
	uint64_t free_frames;	 /* set bits in free_map */
	uint64_t managed_frames; /* set bits in managed_map */
	uint64_t usable_frames;	 /* usable per the map, before reservations */
	uint64_t hint;		 /* word index where the next search starts */
};

/*
 * Plans a pool for `bi`: resolves the memory map (a frame is usable only if an
 * AVAILABLE entry covers it whole and no other entry touches it, whatever the
 * order, overlap or duplication of entries; zero-length entries are ignored),
 * and picks the lowest place below `map_limit` for the bitmaps that avoids every
 * reservation (low memory, bi->kernel, the module, bi->ranges).
 * Errors: CAPOS_ERR_BOOT_MEMORY_MAP (no usable frame at all),
 * CAPOS_ERR_NO_MEMORY (no hole for the bitmaps below map_limit).
 */
int frame_plan(const struct boot_info *bi, uint64_t map_limit, struct frame_plan *plan);

/*
 * Builds the pool from `plan` (which must come from frame_plan(bi, ...)) using
 * `storage` (plan->map_bytes writable bytes, normally the bitmap frames seen
 * through the direct map). Marks managed and free every usable frame except the
 * reservations and the bitmap frames themselves. Never fails.
 */
void frame_pool_init(struct frame_pool *fp, const struct frame_plan *plan,
		     const struct boot_info *bi, void *storage);

/*
 * Allocates one frame with physical address + 4 KiB <= limit (limit 0 = any).
 * Errors: CAPOS_ERR_NO_MEMORY.
 */
int frame_pool_alloc(struct frame_pool *fp, uint64_t limit, uint64_t *phys);

/* Allocates n physically contiguous frames (first fit). Errors:
 * CAPOS_ERR_INVALID (n == 0), CAPOS_ERR_NO_MEMORY. */
int frame_pool_alloc_contig(struct frame_pool *fp, uint64_t n, uint64_t *phys);

/*
 * Returns n frames starting at phys to the pool. Validates all n before changing
 * any. Errors: CAPOS_ERR_ALIGNMENT (phys not 4 KiB-aligned), CAPOS_ERR_INVALID
 * (n == 0), CAPOS_ERR_OUT_OF_RANGE (beyond the pool), CAPOS_ERR_FRAME_NOT_MANAGED
 * (a reserved frame: kernel image, module, firmware, ...),
 * CAPOS_ERR_FRAME_DOUBLE_FREE (a frame already free).
 */
int frame_pool_free(struct frame_pool *fp, uint64_t phys, uint64_t n);

/* True if the frame at phys is managed and currently free. */
bool frame_pool_is_free(const struct frame_pool *fp, uint64_t phys);

/* ---- the kernel's global pool ---- */

/* Physical address -> pointer through which the allocator may write it. */
typedef void *frame_to_virt_fn(uint64_t phys);

/*
 * Plans and builds the global pool (bitmaps below map_limit, reached through
 * to_virt). Reports the plan through *plan if non-NULL. Call once.
 * Errors: those of frame_plan(); CAPOS_ERR_EXISTS (already initialised).
 */
int frame_init(const struct boot_info *bi, uint64_t map_limit, frame_to_virt_fn *to_virt,
	       struct frame_plan *plan);

/* One frame anywhere / below `limit` / n contiguous. Errors: CAPOS_ERR_NO_MEMORY
 * (also before frame_init), CAPOS_ERR_INVALID (n == 0). */
int frame_alloc(uint64_t *phys);
int frame_alloc_below(uint64_t limit, uint64_t *phys);
int frame_alloc_contig(uint64_t n, uint64_t *phys);

/* Frees what frame_alloc*() returned. Errors: as frame_pool_free(). */
int frame_free(uint64_t phys);
int frame_free_contig(uint64_t phys, uint64_t n);

/* Free frames in the global pool right now (0 before frame_init). */
uint64_t frame_free_count(void);

/* The global pool, read-only, for statistics (NULL before frame_init). */
const struct frame_pool *frame_global(void);

#endif
