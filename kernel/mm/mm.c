/*
 * Kernel memory bring-up and the kernel's address space: frame pool from the boot
 * memory map, final page tables (kernel sections with their own permissions, the
 * direct map, guard pages, no identity map) loaded into CR3, then the heap; plus
 * the MMIO window for device registers. Kernel-only glue over the pure frame.c,
 * kmap.c and arch paging code. Lock legend: [B] boot CPU only, before SMP.
 */
#include <kernel/mm.h>

#include <capos/error.h>
#include <kernel/arch.h>
#include <kernel/cmdline.h>
#include <kernel/kcharge.h>
#include <kernel/kmap.h>
#include <kernel/log.h>
#include <kernel/panic.h>

extern char __image_start[], __image_end[], __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[], __data_start[], __data_end[];
extern char __ksyms_start[], __ksyms_end[];

static struct arch_aspace mm_kernel_as;	     /* [B] the kernel address space */
static bool mm_tables_live;		     /* [B] final tables in CR3 */
static uint64_t mm_mmio_next = MM_MMIO_BASE; /* [B] bump pointer in the MMIO window */
static struct heap mm_kheap;		     /* [B] the kernel heap */
static struct kcharge_pool mm_kpool;	     /* [B] charges and reserve over mm_kheap */

static uint64_t va_of(const char *sym)
{
	return (uint64_t)(uintptr_t)sym;
}

static uint64_t page_up(uint64_t v)
{
	return (v + FRAME_SIZE - 1) & ~(FRAME_SIZE - 1);
}

static void *frame_virt(uint64_t phys)
{
	return phys_to_virt(phys);
}

/* Table frames: below 4 GiB (the early direct map's reach) until the switch. */
static int pt_alloc(void *ctx, uint64_t *phys)
{
	(void)ctx;
	return mm_tables_live ? frame_alloc(phys) : frame_alloc_below(BOOT_IDENTITY_LIMIT, phys);
}

static void *pt_virt(void *ctx, uint64_t phys)
{
	(void)ctx;
	return phys_to_virt(phys);
}

static void mm_report(const struct frame_plan *plan)
{
	const struct frame_pool *fp = frame_global();
	uint64_t free = frame_free_count();

	klog("mm", "memory: total %llu KiB, usable %llu KiB, free %llu frames (%llu KiB)",
	     (unsigned long long)(plan->total_bytes >> 10),
	     (unsigned long long)(fp->usable_frames * (FRAME_SIZE >> 10)), (unsigned long long)free,
	     (unsigned long long)(free * (FRAME_SIZE >> 10)));
	if (plan->ignored_bytes)
		klog("mm", "warning: %llu KiB above the supported %llu GiB ignored",
		     (unsigned long long)(plan->ignored_bytes >> 10),
		     (unsigned long long)(FRAME_PHYS_LIMIT >> 30));
}

static void mm_layout(struct kmap_layout *l, const struct boot_info *bi)
{
	uint64_t guards[KMAP_GUARDS_MAX];

	/* Field by field: the kernel has no memset for a whole-struct initialiser. */
	l->image_offset = KERNEL_VMA;
	l->direct_base = DIRECT_MAP_BASE;
	l->bi = bi;
	l->nsections = 4;
	l->sections[0] = (struct kmap_section){ "text", va_of(__text_start), va_of(__text_end),
						ARCH_MM_EXEC };
	l->sections[1] =
		(struct kmap_section){ "rodata", va_of(__rodata_start), va_of(__rodata_end), 0 };
	l->sections[2] = (struct kmap_section){ "data", va_of(__data_start), va_of(__data_end),
						ARCH_MM_WRITE };
	l->sections[3] = (struct kmap_section){ "ksyms", va_of(__ksyms_start),
						page_up(va_of(__ksyms_end)), 0 };
	l->nguards = (uint32_t)arch_mm_image_guards(guards, KMAP_GUARDS_MAX);
	for (uint32_t i = 0; i < l->nguards; i++)
		l->guards[i] = guards[i];
}

static int mm_switch_tables(const struct boot_info *bi)
{
	const struct arch_pt_source src = { pt_alloc, pt_virt, NULL };
	struct kmap_layout l;
	struct kmap_stats st;
	int err;

	mm_layout(&l, bi);
	err = arch_mm_create(&mm_kernel_as, &src, arch_mm_nx_enabled());
	if (err)
		return err;
	err = kmap_build(&mm_kernel_as, &l, &st);
	if (err)
		return err;
	arch_mm_activate(&mm_kernel_as);
	mm_tables_live = true;
	klog("mm",
	     "page tables: image %llu KiB (text R-X, rodata R--, data RW-%s), "
	     "direct map %llu MiB in %u ranges, %u guard page(s), identity map gone",
	     (unsigned long long)(st.image_bytes >> 10), mm_kernel_as.nx ? " NX" : ", no NX",
	     (unsigned long long)(st.direct_bytes >> 20), st.direct_ranges, l.nguards);
	return CAPOS_OK;
}

/* ---- the kernel heap over whole frames ---- */

static int kheap_pages_alloc(void *ctx, size_t npages, void **out)
{
	uint64_t phys;
	int err = frame_alloc_contig(npages, &phys);

	(void)ctx;
	if (err)
		return err;
	*out = phys_to_virt(phys);
	return CAPOS_OK;
}

static void kheap_pages_free(void *ctx, void *pages, size_t npages)
{
	int err = frame_free_contig(virt_to_phys(pages), npages);

	(void)ctx;
	if (err)
		panic("heap: returning %zu frame(s) at %p failed: %s", npages, pages,
		      capos_error_name(err));
}

static void kheap_fault(void *ctx, int err, const void *ptr, const char *what)
{
	(void)ctx;
	panic("heap: %s at %p (%s)", what, ptr, capos_error_name(err));
}

void *kmalloc(size_t size)
{
	return heap_alloc(&mm_kheap, size);
}

void *kzalloc(size_t size)
{
	return heap_zalloc(&mm_kheap, size);
}

void kfree(void *p)
{
	heap_free(&mm_kheap, p);
}

const struct heap *mm_heap(void)
{
	return &mm_kheap;
}

/* ---- charged allocations and the reserve (kernel/kcharge.h) ---- */

static uint64_t kcharge_free_frames(void *ctx)
{
	(void)ctx;
	return frame_free_count();
}

int kmalloc_charged(struct ledger *l, size_t size, void **out)
{
	return kcharge_alloc(&mm_kpool, l, size, false, out);
}

int kzalloc_charged(struct ledger *l, size_t size, void **out)
{
	return kcharge_alloc(&mm_kpool, l, size, true, out);
}

void kfree_charged(void *p)
{
	int err = kcharge_free(&mm_kpool, p);

	if (err)
		panic("kcharge: free of %p: %s", p, capos_error_name(err));
}

int kmem_charge(struct ledger *l, uint64_t bytes, uint64_t frames)
{
	return kcharge_take(&mm_kpool, l, bytes, frames);
}

void kmem_uncharge(struct ledger *l, uint64_t bytes)
{
	kcharge_give(&mm_kpool, l, bytes);
}

int kmem_charge_noref(struct ledger *l, uint64_t bytes, uint64_t frames)
{
	return kcharge_take_noref(&mm_kpool, l, bytes, frames);
}

void kmem_uncharge_noref(struct ledger *l, uint64_t bytes)
{
	kcharge_give_noref(&mm_kpool, l, bytes);
}

uint64_t kmem_block_cost(size_t size)
{
	return heap_block_cost(&mm_kheap, size);
}

int kmem_reserve_check(uint64_t frames)
{
	return kcharge_reserve_check(&mm_kpool, frames);
}

int frame_alloc_user(uint64_t *phys)
{
	int err = kcharge_reserve_check(&mm_kpool, 1);

	return err ? err : frame_alloc(phys);
}

const struct kcharge_pool *mm_kcharge(void)
{
	return &mm_kpool;
}

int kmem_reserve_configure(const char *cmdline)
{
	uint64_t n;
	int err = cmdline_get_u64(cmdline, "kreserve", &n);

	if (err == CAPOS_ERR_NOT_FOUND)
		return CAPOS_OK;
	if (err || n > KCHARGE_RESERVE_MAX)
		return CAPOS_ERR_INVALID;
	mm_kpool.reserve_frames = n;
	klog("mm", "kernel reserve: %llu frames (kreserve=)", (unsigned long long)n);
	return CAPOS_OK;
}

/* Allocates a spread of sizes, checks contents survive, frees everything and
 * checks every frame came back. */
static int mm_heap_smoke(void)
{
	static const size_t sizes[] = { 1, 24, 100, 500, 1000, 3000, 20000 };
	uint8_t *p[7 * 4];
	uint64_t before = frame_free_count();
	unsigned n = 0;

	for (unsigned r = 0; r < 4; r++)
		for (unsigned i = 0; i < 7; i++, n++) {
			p[n] = kmalloc(sizes[i]);
			if (!p[n])
				return CAPOS_ERR_NO_MEMORY;
			for (size_t b = 0; b < sizes[i]; b++)
				p[n][b] = (uint8_t)(n + b);
		}
	for (unsigned k = 0; k < n; k++) {
		if (p[k][sizes[k % 7] - 1] != (uint8_t)(k + sizes[k % 7] - 1))
			return CAPOS_ERR_HEAP_OVERFLOW;
		kfree(p[k]);
	}
	if (frame_free_count() != before || mm_kheap.blocks_in_use != 0)
		return CAPOS_ERR_NO_MEMORY;
	klog("mm",
	     "heap: smoke ok (%u blocks of 1..20000 bytes, debug checks %s), "
	     "free frames back to %llu",
	     n, mm_kheap.debug ? "on" : "off", (unsigned long long)before);
	return CAPOS_OK;
}

static int mm_heap_init(void)
{
	const struct heap_ops ops = { kheap_pages_alloc, kheap_pages_free, kheap_fault, NULL };

	heap_init(&mm_kheap, &ops, HEAP_DEBUG_DEFAULT);
	kcharge_init(&mm_kpool, &mm_kheap, kcharge_free_frames, NULL,
		     kcharge_default_reserve(frame_free_count()));
	return mm_heap_smoke();
}

int mm_init(struct boot_info *bi)
{
	struct frame_plan plan;
	int err;

	bi->kernel = (struct boot_range){ va_of(__image_start) - KERNEL_VMA,
					  page_up(va_of(__image_end)) - KERNEL_VMA };
	err = frame_init(bi, BOOT_IDENTITY_LIMIT, frame_virt, &plan);
	if (err)
		return err;
	mm_report(&plan);
	err = mm_switch_tables(bi);
	if (err)
		return err;
	return mm_heap_init();
}

int mm_map_mmio(uint64_t phys, uint64_t size, volatile void **out)
{
	uint64_t base = phys & ~(FRAME_SIZE - 1), len, va;
	int err;

	if (size == 0 || phys + size < phys)
		return CAPOS_ERR_INVALID;
	if (!mm_tables_live)
		return CAPOS_ERR_UNSUPPORTED;
	len = page_up(phys + size) - base;
	if (len > MM_MMIO_BASE + MM_MMIO_SIZE - mm_mmio_next)
		return CAPOS_ERR_MM_NO_VIRT;
	va = mm_mmio_next;
	err = arch_mm_map(&mm_kernel_as, va, base, len, ARCH_MM_WRITE | ARCH_MM_UNCACHED);
	if (err)
		return err;
	for (uint64_t off = 0; off < len; off += FRAME_SIZE)
		arch_mm_flush_page(va + off);
	mm_mmio_next += len + FRAME_SIZE; /* an unmapped page between mappings */
	*out = (volatile void *)(uintptr_t)(va + (phys - base));
	return CAPOS_OK;
}

int mm_direct_range(uint64_t phys, uint64_t len, const void **out)
{
	uint64_t pa;
	unsigned flags;

	if (len == 0 || phys + len < phys || phys + len > FRAME_PHYS_LIMIT)
		return CAPOS_ERR_INVALID;
	for (uint64_t p = phys & ~(FRAME_SIZE - 1); p < phys + len; p += FRAME_SIZE) {
		if (!mm_tables_live && p + FRAME_SIZE <= BOOT_IDENTITY_LIMIT)
			continue; /* early tables map 0..4 GiB */
		if (!mm_tables_live ||
		    arch_mm_query(&mm_kernel_as, DIRECT_MAP_BASE + p, &pa, &flags) != CAPOS_OK)
			return CAPOS_ERR_MM_NOT_MAPPED;
	}
	*out = phys_to_virt(phys);
	return CAPOS_OK;
}

/* ---- kproc: the kernel address space for user spaces and kernel stacks ---- */

struct arch_aspace *mm_kernel_aspace(void)
{
	return mm_tables_live ? &mm_kernel_as : NULL;
}
