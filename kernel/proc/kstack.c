/*
 * Kernel stacks in their own window of the kernel half (kernel/kstack.h). Slot i
 * covers [base + i * stride, base + (i + 1) * stride): one unmapped guard page, then
 * KSTACK_PAGES mapped pages. Frames need not be contiguous. The window's tables are
 * created by kstack_init() (before the first user space copies the kernel half), so
 * every space sees every stack, and alloc/free never touch table frames (the free
 * frame count returns exactly to its value before kstack_alloc). The window's tables
 * cost one page-table frame per 2 MiB of it, once: 168 KiB for 4096 slots, 4 KiB for 64.
 * Lock legend: [K] the kernel lock (proc.c creates and reaps threads under it); [B]
 * written once by the boot CPU before the APs start.
 */
#include <kernel/kstack.h>

#include <capos/error.h>
#include <kernel/arch.h>
#include <kernel/cmdline.h>
#include <kernel/log.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/tlb.h>

#define KSTACK_STRIDE (KSTACK_SIZE + FRAME_SIZE)
#define KSTACK_WORDS (KSTACK_SLOTS / 64)
_Static_assert(KSTACK_SLOTS % 64 == 0 && KSTACK_SLOTS >= 64, "whole bitmap words");
_Static_assert((unsigned long long)KSTACK_SLOTS *KSTACK_STRIDE <= (1ull << 39),
	       "the window fits its PML4 slot");

static uint64_t kstack_used[KSTACK_WORDS]; /* [K] bit i % 64 of word i / 64: slot i taken */
static unsigned kstack_first_free;	   /* [K] no word below this one has a free bit */
static unsigned kstack_count;		   /* [K] slots taken */
static unsigned kstack_slots;		   /* [B] the window's slots (0 before kstack_init) */
static unsigned kstack_words;		   /* [B] bitmap words covering them */
static unsigned kstack_cap = KSTACK_SLOTS; /* [B] threads= */

static uint64_t kstack_slot_base(int slot)
{
	return KSTACK_WINDOW_BASE + (uint64_t)slot * KSTACK_STRIDE + FRAME_SIZE;
}

unsigned kstack_window_slots(uint64_t free_frames, unsigned max)
{
	uint64_t slots = (free_frames / KSTACK_FRAMES_PER_SLOT + 63) / 64 * 64;

	if (slots < 64)
		slots = 64;
	if (max > KSTACK_SLOTS)
		max = KSTACK_SLOTS;
	return slots > max ? max : (unsigned)slots;
}

int kstack_configure(const char *cmdline)
{
	uint64_t n;
	int err = cmdline_get_u64(cmdline, "threads", &n);

	if (err == CAPOS_ERR_NOT_FOUND)
		return CAPOS_OK;
	if (err || n == 0 || n > KSTACK_SLOTS)
		return CAPOS_ERR_INVALID;
	kstack_cap = (unsigned)n;
	klog("proc", "threads: at most %u alive at once (threads=)", kstack_cap);
	return CAPOS_OK;
}

int kstack_init(void)
{
	struct arch_aspace *k = mm_kernel_aspace();
	unsigned slots = kstack_window_slots(frame_free_count(), kstack_cap);
	int err;

	if (k == NULL)
		return CAPOS_ERR_UNSUPPORTED;
	err = arch_mm_populate(k, KSTACK_WINDOW_BASE, (uint64_t)slots * KSTACK_STRIDE);
	if (err)
		return err;
	kstack_slots = slots;
	kstack_words = (slots + 63) / 64;
	return CAPOS_OK;
}

static void kstack_unmap_pages(struct kstack *ks, unsigned n)
{
	struct arch_aspace *k = mm_kernel_aspace();
	uint64_t base = kstack_slot_base(ks->slot);

	for (unsigned i = 0; i < n; i++) {
		int err = arch_mm_unmap(k, base + i * FRAME_SIZE, FRAME_SIZE);

		if (err == CAPOS_OK) {
			/* every CPU forgets the page before its frame can be reused */
			tlb_flush_kernel_page(base + i * FRAME_SIZE);
			err = frame_free(ks->frames[i]);
		}
		if (err)
			panic("kstack: releasing page %u of slot %d: %s", i, ks->slot,
			      capos_error_name(err));
	}
}

/* The lowest free slot, or -1 when all are taken. The last word's bits at and above
 * kstack_slots stay clear: a slot found there means every real slot is taken. */
static int kstack_find_slot(void)
{
	unsigned w = kstack_first_free, slot;

	while (w < kstack_words && kstack_used[w] == ~0ull)
		w++;
	kstack_first_free = w;
	if (w == kstack_words)
		return -1;
	slot = w * 64 + (unsigned)__builtin_ctzll(~kstack_used[w]);
	return slot < kstack_slots ? (int)slot : -1;
}

static void kstack_mark(int slot, bool taken)
{
	unsigned w = (unsigned)slot / 64;
	uint64_t bit = 1ull << ((unsigned)slot % 64);

	if (taken) {
		kstack_used[w] |= bit;
		kstack_count++;
		return;
	}
	kstack_used[w] &= ~bit;
	kstack_count--;
	if (w < kstack_first_free)
		kstack_first_free = w;
}

int kstack_alloc(struct kstack *ks)
{
	struct arch_aspace *k = mm_kernel_aspace();
	unsigned i;
	int err = CAPOS_ERR_NO_MEMORY;

	ks->slot = kstack_find_slot(); /* -1 before kstack_init: no words */
	if (ks->slot < 0)
		return CAPOS_ERR_NO_MEMORY;
	/* Invariant: pages [0, i) of the slot are mapped to ks->frames[0..i). */
	for (i = 0; i < KSTACK_PAGES; i++) {
		uint64_t va = kstack_slot_base(ks->slot) + i * FRAME_SIZE;

		err = frame_alloc(&ks->frames[i]);
		if (err)
			goto out_unmap;
		err = arch_mm_map(k, va, ks->frames[i], FRAME_SIZE, ARCH_MM_WRITE);
		if (err) {
			frame_free(ks->frames[i]);
			goto out_unmap;
		}
	}
	kstack_mark(ks->slot, true);
	ks->top = kstack_slot_base(ks->slot) + KSTACK_SIZE;
	return CAPOS_OK;
out_unmap:
	kstack_unmap_pages(ks, i);
	ks->slot = -1;
	return err;
}

void kstack_free(struct kstack *ks)
{
	if (ks->slot < 0)
		return;
	kstack_unmap_pages(ks, KSTACK_PAGES);
	kstack_mark(ks->slot, false);
	ks->slot = -1;
}

unsigned kstack_in_use(void)
{
	return kstack_count;
}
