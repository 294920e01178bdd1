/*
 * AP bring-up (arch_smp_start, docs/smp.md). The BSP starts the MADT's other CPUs
 * one at a time:
 *  1. a free page T below 1 MiB (inside an available memory-map range, clear of the
 *     boot module and the loader's structures) receives the trampoline
 *     (smp_tramp.S); a trampoline page table maps T at T (identity) and shares the
 *     kernel half, so the AP can turn paging on with code at T, then jump to the
 *     kernel half and load the kernel's own CR3; it is freed after the last AP;
 *  2. per AP: a struct arch_cpu (GDT, TSS) in a static table, its stacks (idle, NMI,
 *     #DF, #MC, each above an unmapped guard page) in the SMP stack window, its
 *     portable per-CPU data from kmain_ap_alloc;
 *  3. INIT, 10 ms, SIPI (vector T >> 12), 200 us, a second SIPI if the AP has not
 *     reached C yet, then a bounded wait (TSC) until kmain_ap calls arch_ap_online;
 *     an AP that does not make it is logged, sent INIT again (back to
 *     wait-for-SIPI, so it cannot run a stale trampoline later) and skipped.
 * CPU indices are dense: the n-th CPU that comes online gets index n (BSP 0).
 * arch_cpu_index() reads the index from the limit of a per-CPU GDT descriptor
 * (GDT_CPU_INDEX, via LSL), which works in any context (NMI entry before SWAPGS,
 * early boot before the GS base exists: the boot GDT lacks it and LSL fails -> 0).
 *
 * Lock legend: [I] written by the BSP during bring-up, read-only once the CPU is
 * online; [A] atomic.
 */
#include <arch/cpu.h>
#include <arch/memlayout.h>
#include <arch/platform.h>
#include <arch/smp.h>
#include <arch/trap.h>
#include <capos/error.h>
#include <kernel/acpi.h>
#include <kernel/arch.h>
#include <kernel/bootinfo.h>
#include <kernel/log.h>
#include <kernel/mm.h>
#include <kernel/percpu.h>

#define SMP_INIT_DELAY_US 10000u
#define SMP_SIPI_DELAY_US 200u
#define SMP_AP_TIMEOUT_MS 1000u
#define SMP_TRAMP_PREFERRED 0x8000ull
#define SMP_TRAMP_LIMIT 0x9f000ull /* below the EBDA */
#define SMP_LOW_4G 0x100000000ull

#define SEG_CODE32 0x00CF9A000000FFFFull
#define SEG_DATA32 0x00CF92000000FFFFull
#define SEG_CODE64 0x00AF9A000000FFFFull

static struct arch_cpu smp_cpus[ARCH_MAX_CPUS];
static uint32_t smp_online = 1;		      /* [A] CPUs online (the BSP from the start) */
static uint64_t smp_stacks_mapped;	      /* [I] bit i: index i's stacks are mapped */
static struct percpu *smp_pcs[ARCH_MAX_CPUS]; /* [I] kmain_ap_alloc results, by index */
static bool smp_started_once;		      /* [I] arch_smp_start ran */

/* offsets of the 32- and 64-bit parts of the trampoline (smp_tramp.S) */
extern const uint32_t smp_tramp_pm32_off, smp_tramp_lm64_off;

struct arch_cpu *smp_cpu(uint32_t index)
{
	return &smp_cpus[index < ARCH_MAX_CPUS ? index : 0];
}

uint32_t arch_cpu_index(void)
{
	uint32_t limit = 0;
	uint8_t ok;

	__asm__ volatile("lsl %2, %0\n\tsetz %1"
			 : "+r"(limit), "=q"(ok)
			 : "r"((uint32_t)GDT_CPU_INDEX)
			 : "cc");
	return ok && limit < ARCH_MAX_CPUS ? limit : 0;
}

struct arch_cpu *smp_this_cpu(void)
{
	return &smp_cpus[arch_cpu_index()];
}

uint32_t arch_cpu_online_count(void)
{
	return __atomic_load_n(&smp_online, __ATOMIC_ACQUIRE);
}

uint32_t arch_cpus_online(void)
{
	return arch_cpu_online_count();
}

struct percpu *arch_percpu(uint32_t cpu_index)
{
	return cpu_index < arch_cpu_online_count() ? smp_cpus[cpu_index].pc : NULL;
}

uint32_t arch_cpu_apic_id(uint32_t cpu_index)
{
	if (cpu_index >= ARCH_MAX_CPUS || (cpu_index > 0 && !smp_cpus[cpu_index].started))
		return UINT32_MAX;
	return smp_cpus[cpu_index].apic_id;
}

/* Spin for `us` microseconds by the TSC (calibrated before any AP starts). */
static void smp_delay_us(uint64_t us)
{
	uint64_t end = cpu_rdtsc() + arch_tsc_hz() / 1000000 * us;

	while (cpu_rdtsc() < end)
		arch_cpu_relax();
}

/* ---- the trampoline page ---- */

static bool smp_overlaps(uint64_t a, uint64_t a_end, uint64_t b, uint64_t b_end)
{
	return a < b_end && b < a_end;
}

/* Whether physical page `pa` is RAM nobody else uses: wholly inside an available
 * map entry, touched by no other entry, clear of the module and loader ranges. */
static bool smp_page_free(const struct boot_info *bi, uint64_t pa)
{
	uint64_t end = pa + PAGE_SIZE;
	bool in_ram = false;

	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		const struct boot_mem_region *r = &bi->mmap[i];
		if (!smp_overlaps(pa, end, r->base, r->base + r->length))
			continue;
		if (r->type != BOOT_MEM_AVAILABLE)
			return false;
		in_ram |= r->base <= pa && end <= r->base + r->length;
	}
	if (!in_ram || smp_overlaps(pa, end, bi->module.start, bi->module.end))
		return false;
	for (uint32_t i = 0; i < bi->range_count; i++)
		if (smp_overlaps(pa, end, bi->ranges[i].start, bi->ranges[i].end))
			return false;
	return true;
}

static int smp_pick_tramp(const struct boot_info *bi, uint64_t *out)
{
	if (smp_page_free(bi, SMP_TRAMP_PREFERRED)) {
		*out = SMP_TRAMP_PREFERRED;
		return CAPOS_OK;
	}
	for (uint64_t pa = PAGE_SIZE; pa < SMP_TRAMP_LIMIT; pa += PAGE_SIZE)
		if (smp_page_free(bi, pa)) {
			*out = pa;
			return CAPOS_OK;
		}
	return CAPOS_ERR_SMP_TRAMPOLINE;
}

static int smp_low_frame(void *ctx, uint64_t *phys)
{
	(void)ctx;
	return frame_alloc_below(SMP_LOW_4G, phys);
}

static void *smp_frame_virt(void *ctx, uint64_t phys)
{
	(void)ctx;
	return phys_to_virt(phys);
}

static void smp_leaf_keep(void *ctx, uint64_t va, uint64_t pa, uint64_t size)
{
	(void)ctx, (void)va, (void)pa, (void)size; /* the trampoline page is not a pool frame */
}

static void smp_table_free(void *ctx, uint64_t phys)
{
	(void)ctx;
	if (frame_free(phys) != CAPOS_OK)
		klog("smp", "warning: trampoline table frame %#llx not freed",
		     (unsigned long long)phys);
}

/* The trampoline page table: T identity-mapped (executable), the kernel half shared. */
static int smp_tramp_tables(struct arch_aspace *as, uint64_t tramp)
{
	const struct arch_pt_source src = { smp_low_frame, smp_frame_virt, NULL };
	int err = arch_mm_create(as, &src, arch_mm_nx_enabled());

	if (err != CAPOS_OK)
		return err;
	arch_mm_share_kernel(as, mm_kernel_aspace());
	err = arch_mm_map(as, tramp, tramp, PAGE_SIZE, ARCH_MM_EXEC);
	if (err != CAPOS_OK || as->root_phys >= SMP_LOW_4G) {
		const struct arch_mm_teardown_ops ops = { smp_leaf_keep, smp_table_free, NULL };
		arch_mm_destroy_user(as, &ops);
		return err != CAPOS_OK ? err : CAPOS_ERR_NO_MEMORY;
	}
	return CAPOS_OK;
}

static void smp_put_far(uint8_t *p, uint32_t off, uint16_t sel)
{
	*(uint32_t *)p = off;
	*(uint16_t *)(p + 4) = sel;
}

/* Copy the trampoline to T and fill the parts of its parameter block common to all APs. */
static void smp_tramp_install(uint64_t tramp, const struct arch_aspace *as)
{
	uint8_t *page = phys_to_virt(tramp), *tp = page + SMP_TRAMP_PARAMS;
	size_t len = (size_t)(smp_tramp_end - smp_tramp_start);
	uint64_t *gdt = (uint64_t *)(tp + SMP_TP_GDT);

	_Static_assert(SMP_TRAMP_PARAMS + SMP_TP_END <= PAGE_SIZE, "parameter block fits");
	for (size_t i = 0; i < PAGE_SIZE; i++)
		page[i] = i < len ? (uint8_t)smp_tramp_start[i] : 0;
	gdt[0] = 0;
	gdt[SMP_TSEL_CODE32 / 8] = SEG_CODE32;
	gdt[SMP_TSEL_DATA / 8] = SEG_DATA32;
	gdt[SMP_TSEL_CODE64 / 8] = SEG_CODE64;
	*(uint16_t *)(tp + SMP_TP_GDTR) = 4 * 8 - 1;
	*(uint32_t *)(tp + SMP_TP_GDTR + 2) = (uint32_t)(tramp + SMP_TRAMP_PARAMS + SMP_TP_GDT);
	smp_put_far(tp + SMP_TP_FAR32, (uint32_t)(tramp + smp_tramp_pm32_off), SMP_TSEL_CODE32);
	smp_put_far(tp + SMP_TP_FAR64, (uint32_t)(tramp + smp_tramp_lm64_off), SMP_TSEL_CODE64);
	*(uint32_t *)(tp + SMP_TP_CR3) = (uint32_t)as->root_phys;
	*(uint32_t *)(tp + SMP_TP_EFER) = arch_mm_nx_enabled() ? (uint32_t)EFER_NXE : 0;
	*(uint64_t *)(tp + SMP_TP_ENTRY) = (uint64_t)(uintptr_t)smp_ap_entry;
	*(uint64_t *)(tp + SMP_TP_KCR3) = mm_kernel_aspace()->root_phys;
}

/* ---- per-AP stacks in the SMP stack window ---- */

/* Offsets in a CPU's slot: [guard][idle][guard][nmi][guard][df][guard][mc]. */
static uint64_t smp_stack_top(uint32_t index, unsigned which)
{
	uint64_t base = SMP_STACK_WINDOW + index * SMP_STACK_STRIDE + PAGE_SIZE;

	if (which == 0)
		return base + SMP_IDLE_STACK_SIZE;
	return base + SMP_IDLE_STACK_SIZE + which * (PAGE_SIZE + IST_STACK_SIZE);
}

static uint64_t smp_stack_size(unsigned which)
{
	return which == 0 ? SMP_IDLE_STACK_SIZE : IST_STACK_SIZE;
}

/* Maps index's four stacks (fresh frames), leaving each guard page unmapped. */
static int smp_map_stacks(uint32_t index)
{
	struct arch_aspace *k = mm_kernel_aspace();

	if (smp_stacks_mapped & (1ull << index))
		return CAPOS_OK;
	for (unsigned w = 0; w <= IST_COUNT; w++) {
		uint64_t top = smp_stack_top(index, w);
		for (uint64_t va = top - smp_stack_size(w); va < top; va += PAGE_SIZE) {
			uint64_t pa;
			int err = frame_alloc(&pa);
			if (err == CAPOS_OK)
				err = arch_mm_map(k, va, pa, PAGE_SIZE, ARCH_MM_WRITE);
			if (err != CAPOS_OK)
				return err; /* mapped pages stay: the slot is never used again */
			arch_mm_flush_page(va);
		}
	}
	smp_stacks_mapped |= 1ull << index;
	return CAPOS_OK;
}

int smp_check_stacks(uint32_t index)
{
	struct arch_aspace *k = mm_kernel_aspace();
	uint64_t pa;
	unsigned flags;

	for (unsigned w = 0; w <= IST_COUNT; w++) {
		uint64_t top = smp_stack_top(index, w), bottom = top - smp_stack_size(w);
		if (arch_mm_query(k, bottom - PAGE_SIZE, &pa, &flags) != CAPOS_ERR_MM_NOT_MAPPED)
			return CAPOS_ERR_SMP_SELFTEST; /* the guard page must fault */
		for (uint64_t va = bottom; va < top; va += PAGE_SIZE)
			if (arch_mm_query(k, va, &pa, &flags) != CAPOS_OK ||
			    !(flags & ARCH_MM_WRITE))
				return CAPOS_ERR_SMP_SELFTEST;
	}
	return CAPOS_OK;
}

/* ---- one AP ---- */

static bool smp_wait_flag(volatile bool *flag, uint64_t us)
{
	uint64_t end = cpu_rdtsc() + arch_tsc_hz() / 1000000 * us;

	while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE)) {
		if (cpu_rdtsc() > end)
			return false;
		arch_cpu_relax();
	}
	return true;
}

/* INIT-SIPI-SIPI and the wait; true if the AP came online. */
static bool smp_kick(struct arch_cpu *c, uint64_t tramp)
{
	uint32_t sipi = ICR_STARTUP | (uint32_t)(tramp >> 12);

	if (lapic_send_icr(c->apic_id, ICR_INIT | ICR_LEVEL_ASSERT) != CAPOS_OK)
		return false;
	smp_delay_us(SMP_INIT_DELAY_US);
	if (lapic_send_icr(c->apic_id, sipi) != CAPOS_OK)
		return false;
	if (!smp_wait_flag(&c->started, SMP_SIPI_DELAY_US) &&
	    lapic_send_icr(c->apic_id, sipi) != CAPOS_OK)
		return false;
	return smp_wait_flag(&c->online, SMP_AP_TIMEOUT_MS * 1000ull);
}

/* Start the CPU with `apic_id` as index `index`. Errors: allocation failures. */
static int smp_start_one(uint64_t tramp, uint32_t apic_id, uint32_t index, bool *online)
{
	struct arch_cpu *c = &smp_cpus[index];
	uint8_t *tp = (uint8_t *)phys_to_virt(tramp) + SMP_TRAMP_PARAMS;
	int err;

	*online = false;
	if (smp_pcs[index] == NULL && (smp_pcs[index] = kmain_ap_alloc(index)) == NULL)
		return CAPOS_ERR_NO_MEMORY;
	err = smp_map_stacks(index);
	if (err != CAPOS_OK)
		return err;
	c->pc = smp_pcs[index];
	c->apic_id = apic_id;
	c->index = index;
	c->started = c->online = false;
	*(uint64_t *)(tp + SMP_TP_STACK) = smp_stack_top(index, 0);
	*(uint64_t *)(tp + SMP_TP_ARG) = (uint64_t)(uintptr_t)c;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*online = smp_kick(c, tramp);
	if (!*online) {
		/* Back to wait-for-SIPI: a late AP must not run a trampoline reused later. */
		(void)lapic_send_icr(apic_id, ICR_INIT | ICR_LEVEL_ASSERT);
		klog("smp", "cpu %u (apic id %u) did not start%s", index, apic_id,
		     c->started ? " (reached the kernel, never came online)" : "");
	}
	return CAPOS_OK;
}

_Noreturn void smp_ap_main(struct arch_cpu *c)
{
	uint64_t ist[IST_COUNT];

	__atomic_store_n(&c->started, true, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < IST_COUNT; i++)
		ist[i] = smp_stack_top(c->index, i + 1);
	gdt_load_cpu(c, ist);
	idt_load();
	cpu_enable_features();
	proc_cpu_setup(c->pc);
	xstate_cpu_enable();
	lapic_init_ap();
	platform_lapic_nmi_setup();
	timer_start_ap();
	kmain_ap(c->pc);
}

void arch_ap_online(void)
{
	struct arch_cpu *c = smp_this_cpu();

	__atomic_fetch_add(&smp_online, 1, __ATOMIC_ACQ_REL);
	__atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
}

/* Why the MADT CPU `apic_id` cannot get index `index`, or NULL if it can. */
static const char *smp_skip_reason(uint32_t apic_id, uint32_t index, uint32_t max_cpus)
{
	if (index >= ARCH_MAX_CPUS)
		return "beyond ARCH_MAX_CPUS";
	if (index >= max_cpus)
		return "beyond the cpus= limit";
	if (!lapic_x2apic() && apic_id > 0xfe)
		return "apic id needs x2apic";
	return NULL;
}

/* Try every candidate APIC id in turn (the MADT's, then the ghost). */
static int smp_start_all(uint64_t tramp, uint32_t max_cpus, uint32_t ghost, uint32_t *tried)
{
	const struct acpi_madt *m = platform_madt();
	uint32_t bsp = lapic_id();

	*tried = 1;
	if (m->cpus_unusable > 0)
		klog("smp", "%u MADT cpu slot(s) neither enabled nor online-capable: not started",
		     m->cpus_unusable);
	for (uint32_t i = 0; i <= m->cpu_count; i++) {
		uint32_t apic_id = i < m->cpu_count ? m->cpus[i].apic_id : ghost;
		uint32_t index = arch_cpu_online_count();
		bool online;

		if (apic_id == bsp || apic_id == UINT32_MAX)
			continue;
		++*tried;
		const char *why = smp_skip_reason(apic_id, index, max_cpus);
		if (why) {
			klog("smp", "cpu %u (apic id %u) skipped: %s", index, apic_id, why);
			continue;
		}
		int err = smp_start_one(tramp, apic_id, index, &online);
		if (err != CAPOS_OK) {
			klog("smp", "cpu %u (apic id %u) not started: %s; no further CPUs", index,
			     apic_id, capos_error_name(err));
			return err;
		}
	}
	return CAPOS_OK;
}

int arch_smp_start(const struct boot_info *bi, uint32_t max_cpus, uint32_t ghost_apic_id)
{
	struct arch_aspace tas;
	uint64_t tramp;
	uint32_t tried;
	int err;

	if (smp_started_once)
		return CAPOS_ERR_EXISTS;
	smp_started_once = true;
	smp_cpus[0].apic_id = lapic_id();
	err = ipi_init();
	if (err == CAPOS_OK)
		err = arch_mm_populate(mm_kernel_aspace(), SMP_STACK_WINDOW,
				       ARCH_MAX_CPUS * SMP_STACK_STRIDE);
	if (err == CAPOS_OK)
		err = smp_pick_tramp(bi, &tramp);
	if (err == CAPOS_OK)
		err = smp_tramp_tables(&tas, tramp);
	if (err != CAPOS_OK) {
		klog("smp", "no AP started: %s", capos_error_name(err));
		return err;
	}
	smp_tramp_install(tramp, &tas);
	klog("smp", "trampoline at %#llx, %s, one-shot timer by %s", (unsigned long long)tramp,
	     lapic_x2apic() ? "x2apic" : "xapic",
	     lapic_tsc_deadline() ? "tsc-deadline" : "lapic count");
	err = smp_start_all(tramp, max_cpus, ghost_apic_id, &tried);
	const struct arch_mm_teardown_ops ops = { smp_leaf_keep, smp_table_free, NULL };
	arch_mm_destroy_user(&tas, &ops);
	klog("smp", "%u of %u CPUs online", arch_cpu_online_count(), tried);
	return err;
}
