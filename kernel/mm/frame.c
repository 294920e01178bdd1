/*
 * Physical frame allocator: two bitmaps over [0, top of available RAM), one bit per
 * 4 KiB frame. `managed` says the frame belongs to the pool; `free` says it is
 * free now. Why bitmaps rather than free lists: the map costs 1/16384 of memory,
 * lives in ordinary frames reached through the direct map before any page table
 * exists, needs no writes into free frames (so a stray write cannot corrupt it),
 * and answers "is this frame free / ours?" in O(1), which is what makes double
 * frees and frees of reserved frames (kernel image, module, firmware) detectable
 * as typed errors instead of silent corruption. Allocation is next-fit over 64-bit
 * words, so the common case skips 256 KiB of allocated memory per step.
 *
 * Building the pool from a hostile map is order-independent: frames wholly inside
 * some AVAILABLE entry become managed, then every frame touched by any other entry
 * (reserved, ACPI, bad, unknown types) or by a reservation is removed, so reserved
 * always beats available, whatever the overlap, duplication or sort order.
 * Pure C: no arch code, no globals needed except the kernel's one pool at the end.
 */
#include <kernel/frame.h>

#include <capos/error.h>

#define RES_MAX (3 + BOOT_RANGES_MAX)

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return v > UINT64_MAX - (a - 1) ? UINT64_MAX & ~(a - 1) : (v + a - 1) & ~(a - 1);
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* End of a map entry, clipped to FRAME_PHYS_LIMIT (and safe against wrap). */
static uint64_t entry_end(const struct boot_mem_region *r)
{
	if (r->base >= FRAME_PHYS_LIMIT || r->length > FRAME_PHYS_LIMIT - r->base)
		return FRAME_PHYS_LIMIT;
	return r->base + r->length;
}

static uint64_t entry_base(const struct boot_mem_region *r)
{
	return min_u64(r->base, FRAME_PHYS_LIMIT);
}

/* Reservations: low memory, kernel image, module, loader structures. */
static size_t reservations(const struct boot_info *bi, struct boot_range *res)
{
	size_t n = 0;

	res[n++] = (struct boot_range){ 0, FRAME_LOW_RESERVED };
	res[n++] = bi->kernel;
	res[n++] = (struct boot_range){ bi->module.start, bi->module.end };
	for (uint32_t i = 0; i < bi->range_count && i < BOOT_RANGES_MAX; i++)
		res[n++] = bi->ranges[i];
	return n;
}

/* ---- bit ranges ---- */

static void bits_set(uint64_t *map, uint64_t first, uint64_t end)
{
	for (uint64_t f = first; f < end; f++) {
		if ((f & 63) == 0 && end - f >= 64) {
			map[f >> 6] = UINT64_MAX;
			f += 63;
			continue;
		}
		map[f >> 6] |= 1ull << (f & 63);
	}
}

static void bits_clear(uint64_t *map, uint64_t first, uint64_t end)
{
	for (uint64_t f = first; f < end; f++) {
		if ((f & 63) == 0 && end - f >= 64) {
			map[f >> 6] = 0;
			f += 63;
			continue;
		}
		map[f >> 6] &= ~(1ull << (f & 63));
	}
}

static bool bit_test(const uint64_t *map, uint64_t f)
{
	return (map[f >> 6] >> (f & 63)) & 1;
}

static uint64_t bits_count(const uint64_t *map, uint64_t nwords)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < nwords; i++)
		n += (uint64_t)__builtin_popcountll(map[i]);
	return n;
}

/* Clears the frames touched by byte range [start, end), clipped to the pool. */
static void clear_touched(uint64_t *map, uint64_t nframes, uint64_t start, uint64_t end)
{
	uint64_t first = start >> FRAME_SHIFT;
	uint64_t last = min_u64(align_up(end, FRAME_SIZE) >> FRAME_SHIFT, nframes);

	if (end > start && first < last)
		bits_clear(map, first, last);
}

/* ---- planning ---- */

/* Does [lo, hi) overlap (touch a frame of) any non-available entry or reservation? */
static bool blocked(const struct boot_info *bi, const struct boot_range *res, size_t nres,
		    uint64_t lo, uint64_t hi)
{
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		const struct boot_mem_region *r = &bi->mmap[i];
		uint64_t b = entry_base(r) & ~(FRAME_SIZE - 1);
		uint64_t e = align_up(entry_end(r), FRAME_SIZE);

		if (r->type != BOOT_MEM_AVAILABLE && r->length && b < hi && lo < e)
			return true;
	}
	for (size_t i = 0; i < nres; i++) {
		uint64_t b = res[i].start & ~(FRAME_SIZE - 1);
		uint64_t e = align_up(res[i].end, FRAME_SIZE);

		if (res[i].end > res[i].start && b < hi && lo < e)
			return true;
	}
	return false;
}

/* Is [lo, hi) inside one available entry's whole frames? */
static bool inside_available(const struct boot_info *bi, uint64_t lo, uint64_t hi)
{
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		const struct boot_mem_region *r = &bi->mmap[i];

		if (r->type == BOOT_MEM_AVAILABLE && r->length &&
		    align_up(entry_base(r), FRAME_SIZE) <= lo &&
		    hi <= (entry_end(r) & ~(FRAME_SIZE - 1)))
			return true;
	}
	return false;
}

static bool map_fits(const struct boot_info *bi, const struct boot_range *res, size_t nres,
		     uint64_t at, uint64_t bytes, uint64_t limit)
{
	return at <= limit && bytes <= limit - at && inside_available(bi, at, at + bytes) &&
	       !blocked(bi, res, nres, at, at + bytes);
}

/* Lowest fitting candidate: a hole starts at an available entry's base or at the
 * end of something that blocks. */
static int place_map(const struct boot_info *bi, uint64_t bytes, uint64_t limit, uint64_t *at)
{
	struct boot_range res[RES_MAX];
	size_t nres = reservations(bi, res);
	uint64_t best = UINT64_MAX;

	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		const struct boot_mem_region *r = &bi->mmap[i];
		uint64_t c = align_up(r->type == BOOT_MEM_AVAILABLE ? entry_base(r) : entry_end(r),
				      FRAME_SIZE);

		if (r->length && c < best && map_fits(bi, res, nres, c, bytes, limit))
			best = c;
	}
	for (size_t i = 0; i < nres; i++) {
		uint64_t c = align_up(res[i].end, FRAME_SIZE);

		if (c < best && map_fits(bi, res, nres, c, bytes, limit))
			best = c;
	}
	if (best == UINT64_MAX)
		return CAPOS_ERR_NO_MEMORY;
	*at = best;
	return CAPOS_OK;
}

/* Bytes covered by the union of all map entries (clipped): sort, then sweep. */
static uint64_t union_bytes(const struct boot_info *bi)
{
	struct boot_range v[BOOT_MMAP_MAX];
	uint32_t n = 0;
	uint64_t total = 0, cur_s = 0, cur_e = 0;

	for (uint32_t i = 0; i < bi->mmap_count && i < BOOT_MMAP_MAX; i++) {
		struct boot_range x = { entry_base(&bi->mmap[i]), entry_end(&bi->mmap[i]) };
		uint32_t j = n++;

		if (bi->mmap[i].length == 0 || x.end <= x.start) {
			n--;
			continue;
		}
		for (; j > 0 && v[j - 1].start > x.start; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (i == 0 || v[i].start > cur_e) {
			total += cur_e - cur_s;
			cur_s = v[i].start;
			cur_e = v[i].end;
		} else if (v[i].end > cur_e) {
			cur_e = v[i].end;
		}
	}
	return total + (cur_e - cur_s);
}

int frame_plan(const struct boot_info *bi, uint64_t map_limit, struct frame_plan *plan)
{
	uint64_t top_avail = 0, nwords;

	*plan = (struct frame_plan){ 0 };
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		const struct boot_mem_region *r = &bi->mmap[i];
		uint64_t end = entry_end(r);

		if (!r->length || r->type != BOOT_MEM_AVAILABLE)
			continue;
		plan->ignored_bytes += r->length - (end - entry_base(r));
		end &= ~(FRAME_SIZE - 1);
		if (align_up(entry_base(r), FRAME_SIZE) < end && end > top_avail)
			top_avail = end; /* only entries holding a whole frame count */
	}
	plan->nframes = top_avail >> FRAME_SHIFT;
	plan->total_bytes = union_bytes(bi);
	if (plan->nframes == 0)
		return CAPOS_ERR_BOOT_MEMORY_MAP;
	nwords = (plan->nframes + 63) / 64;
	plan->map_bytes = align_up(2 * nwords * sizeof(uint64_t), FRAME_SIZE);
	return place_map(bi, plan->map_bytes, map_limit, &plan->map_phys);
}

/* ---- the pool ---- */

void frame_pool_init(struct frame_pool *fp, const struct frame_plan *plan,
		     const struct boot_info *bi, void *storage)
{
	struct boot_range res[RES_MAX];
	size_t nres = reservations(bi, res);
	uint64_t nf = plan->nframes;

	fp->nframes = nf;
	fp->nwords = (nf + 63) / 64;
	fp->free_map = storage;
	fp->managed_map = fp->free_map + fp->nwords;
	fp->hint = 0;
	bits_clear(fp->managed_map, 0, fp->nwords * 64);
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		const struct boot_mem_region *r = &bi->mmap[i];
		uint64_t first = align_up(entry_base(r), FRAME_SIZE) >> FRAME_SHIFT;
		uint64_t last = min_u64(entry_end(r) >> FRAME_SHIFT, nf);

		if (r->type == BOOT_MEM_AVAILABLE && r->length && first < last)
			bits_set(fp->managed_map, first, last);
	}
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		const struct boot_mem_region *r = &bi->mmap[i];

		if (r->type != BOOT_MEM_AVAILABLE && r->length)
			clear_touched(fp->managed_map, nf, entry_base(r), entry_end(r));
	}
	fp->usable_frames = bits_count(fp->managed_map, fp->nwords);
	for (size_t i = 0; i < nres; i++)
		clear_touched(fp->managed_map, nf, res[i].start, res[i].end);
	clear_touched(fp->managed_map, nf, plan->map_phys, plan->map_phys + plan->map_bytes);
	for (uint64_t i = 0; i < fp->nwords; i++)
		fp->free_map[i] = fp->managed_map[i];
	fp->managed_frames = bits_count(fp->managed_map, fp->nwords);
	fp->free_frames = fp->managed_frames;
}

int frame_pool_alloc(struct frame_pool *fp, uint64_t limit, uint64_t *phys)
{
	uint64_t lim = fp->nframes;

	if (limit != 0)
		lim = min_u64(lim, limit >> FRAME_SHIFT);
	for (uint64_t k = 0; k < fp->nwords; k++) {
		uint64_t w = (fp->hint + k) % fp->nwords;
		uint64_t f;

		if (fp->free_map[w] == 0)
			continue;
		f = w * 64 + (uint64_t)__builtin_ctzll(fp->free_map[w]);
		if (f >= lim)
			continue;
		fp->free_map[w] &= ~(1ull << (f & 63));
		fp->free_frames--;
		fp->hint = w;
		*phys = f << FRAME_SHIFT;
		return CAPOS_OK;
	}
	return CAPOS_ERR_NO_MEMORY;
}

int frame_pool_alloc_contig(struct frame_pool *fp, uint64_t n, uint64_t *phys)
{
	uint64_t run = 0;

	if (n == 0)
		return CAPOS_ERR_INVALID;
	if (n == 1)
		return frame_pool_alloc(fp, 0, phys);
	/* Invariant: frames [f - run, f) are all free. */
	for (uint64_t f = 0; f < fp->nframes; f++) {
		if ((f & 63) == 0 && fp->free_map[f >> 6] == 0) {
			run = 0;
			f += 63;
			continue;
		}
		run = bit_test(fp->free_map, f) ? run + 1 : 0;
		if (run == n) {
			bits_clear(fp->free_map, f + 1 - n, f + 1);
			fp->free_frames -= n;
			*phys = (f + 1 - n) << FRAME_SHIFT;
			return CAPOS_OK;
		}
	}
	return CAPOS_ERR_NO_MEMORY;
}

int frame_pool_free(struct frame_pool *fp, uint64_t phys, uint64_t n)
{
	uint64_t first = phys >> FRAME_SHIFT;

	if (phys & (FRAME_SIZE - 1))
		return CAPOS_ERR_ALIGNMENT;
	if (n == 0)
		return CAPOS_ERR_INVALID;
	if (first >= fp->nframes || n > fp->nframes - first)
		return CAPOS_ERR_OUT_OF_RANGE;
	for (uint64_t f = first; f < first + n; f++) {
		if (!bit_test(fp->managed_map, f))
			return CAPOS_ERR_FRAME_NOT_MANAGED;
		if (bit_test(fp->free_map, f))
			return CAPOS_ERR_FRAME_DOUBLE_FREE;
	}
	bits_set(fp->free_map, first, first + n);
	fp->free_frames += n;
	return CAPOS_OK;
}

bool frame_pool_is_free(const struct frame_pool *fp, uint64_t phys)
{
	uint64_t f = phys >> FRAME_SHIFT;

	return f < fp->nframes && bit_test(fp->free_map, f);
}

/* ---- the kernel's global pool ---- */

static struct frame_pool frame_kernel_pool; /* [boot CPU only until SMP] */
static bool frame_ready;

int frame_init(const struct boot_info *bi, uint64_t map_limit, frame_to_virt_fn *to_virt,
	       struct frame_plan *plan_out)
{
	struct frame_plan plan;
	int err;

	if (frame_ready)
		return CAPOS_ERR_EXISTS;
	err = frame_plan(bi, map_limit, &plan);
	if (err)
		return err;
	frame_pool_init(&frame_kernel_pool, &plan, bi, to_virt(plan.map_phys));
	frame_ready = true;
	if (plan_out)
		*plan_out = plan;
	return CAPOS_OK;
}

int frame_alloc(uint64_t *phys)
{
	return frame_ready ? frame_pool_alloc(&frame_kernel_pool, 0, phys) : CAPOS_ERR_NO_MEMORY;
}

int frame_alloc_below(uint64_t limit, uint64_t *phys)
{
	return frame_ready ? frame_pool_alloc(&frame_kernel_pool, limit, phys)
			   : CAPOS_ERR_NO_MEMORY;
}

int frame_alloc_contig(uint64_t n, uint64_t *phys)
{
	return frame_ready ? frame_pool_alloc_contig(&frame_kernel_pool, n, phys)
			   : CAPOS_ERR_NO_MEMORY;
}

int frame_free(uint64_t phys)
{
	return frame_free_contig(phys, 1);
}

int frame_free_contig(uint64_t phys, uint64_t n)
{
	return frame_ready ? frame_pool_free(&frame_kernel_pool, phys, n)
			   : CAPOS_ERR_FRAME_NOT_MANAGED;
}

uint64_t frame_free_count(void)
{
	return frame_ready ? frame_kernel_pool.free_frames : 0;
}

const struct frame_pool *frame_global(void)
{
	return frame_ready ? &frame_kernel_pool : NULL;
}
