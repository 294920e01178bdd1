/*
 * arch_cpu_init(): boot-CPU set-up in dependency order: descriptor tables first (so
 * faults are reported from here on), then the protection features: EFER.NXE (boot.S
 * already set it when NX exists), CR0.WP, CR4.SMEP, CR4.SMAP, CR4.UMIP and CR4.PGE,
 * each only when CPUID reports it. The "[cpu] enabled:" line is read back from
 * EFER/CR0/CR4 after writing them, so it reports what is in force, not what was asked.
 *
 * arch_user_access_begin/end() bracket deliberate kernel accesses to user memory
 * (STAC/CLAC) when SMAP is on; they are no-ops without SMAP (STAC would #UD there).
 * APs run the same enables from the BSP's CPUID words (cpu_enable_features), quietly.
 */
#include <capos/error.h>
#include <arch/cpu.h>
#include <arch/cpufeat.h>
#include <arch/memlayout.h>
#include <arch/smp.h>
#include <arch/trap.h>
#include <kernel/arch.h>
#include <kernel/log.h>

static struct cpuid_words cpu_words;
static bool smap_enabled;

static void cpu_read_cpuid(struct cpuid_words *w, char vendor[13])
{
	struct cpuid_regs r = cpuid(0, 0);
	uint32_t max_leaf = r.eax;
	const uint32_t v[3] = { r.ebx, r.edx, r.ecx };
	for (int i = 0; i < 12; i++)
		vendor[i] = (char)(v[i / 4] >> (8 * (i % 4)));
	vendor[12] = '\0';
	*w = (struct cpuid_words){ 0 };
	if (max_leaf >= 1) {
		r = cpuid(1, 0);
		w->leaf1_ecx = r.ecx;
		w->leaf1_edx = r.edx;
	}
	if (max_leaf >= 7) {
		r = cpuid(7, 0);
		w->leaf7_ebx = r.ebx;
		w->leaf7_ecx = r.ecx;
	}
	if (cpuid(0x80000000u, 0).eax >= 0x80000001u) {
		r = cpuid(0x80000001u, 0);
		w->ext1_ecx = r.ecx;
		w->ext1_edx = r.edx;
	}
}

/* Also run by every AP (cpu_enable_features): the same enables from the BSP's CPUID. */
static void cpu_enable_protections(const struct cpuid_words *w)
{
	if (cpufeat_has(w, CPU_FEAT_NX))
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	write_cr0(read_cr0() | CR0_WP);
	uint64_t cr4 = read_cr4();
	if (cpufeat_has(w, CPU_FEAT_SMEP))
		cr4 |= CR4_SMEP;
	if (cpufeat_has(w, CPU_FEAT_SMAP))
		cr4 |= CR4_SMAP;
	if (cpufeat_has(w, CPU_FEAT_UMIP))
		cr4 |= CR4_UMIP;
	if (cpufeat_has(w, CPU_FEAT_PGE))
		cr4 |= CR4_PGE;
	write_cr4(cr4);
}

void cpu_enable_features(void)
{
	cpu_enable_protections(&cpu_words);
}

static void cpu_report_enabled(void)
{
	uint64_t efer = rdmsr(MSR_EFER), cr0 = read_cr0(), cr4 = read_cr4();
	klog("cpu", "enabled:%s%s%s%s%s%s", efer & EFER_NXE ? " nx" : "", cr0 & CR0_WP ? " wp" : "",
	     cr4 & CR4_SMEP ? " smep" : "", cr4 & CR4_SMAP ? " smap" : "",
	     cr4 & CR4_UMIP ? " umip" : "", cr4 & CR4_PGE ? " pge" : "");
}

/* The IST stacks as loaded in the TSS, so tests can check a handler's RSP against them. */
static void cpu_report_ist(void)
{
	uint64_t nmi = arch_ist_stack_top(IST_NMI), df = arch_ist_stack_top(IST_DF),
		 mc = arch_ist_stack_top(IST_MC);
	klog("cpu",
	     "ist stacks: nmi [0x%016llx, 0x%016llx) df [0x%016llx, 0x%016llx) "
	     "mc [0x%016llx, 0x%016llx)",
	     (unsigned long long)(nmi - IST_STACK_SIZE), (unsigned long long)nmi,
	     (unsigned long long)(df - IST_STACK_SIZE), (unsigned long long)df,
	     (unsigned long long)(mc - IST_STACK_SIZE), (unsigned long long)mc);
}

void arch_cpu_init(void)
{
	gdt_init();
	idt_init();
	klog("cpu", "gdt, tss (ist: nmi df mc) and idt (256 vectors) loaded");
	cpu_report_ist();

	char vendor[13];
	char list[160];
	cpu_read_cpuid(&cpu_words, vendor);
	cpufeat_format(&cpu_words, list, sizeof(list));
	klog("cpu", "vendor %s", vendor);
	klog("cpu", "features: %s", list);
	cpu_enable_protections(&cpu_words);
	smap_enabled = (read_cr4() & CR4_SMAP) != 0;
	cpu_report_enabled();
}

void arch_user_access_begin(void)
{
	if (smap_enabled)
		stac();
}

void arch_user_access_end(void)
{
	if (smap_enabled)
		clac();
}

/* usercopy.S: rep movsq/movsb with an exception-table fixup. */
int arch_user_copy_raw(void *dst, const void *src, uint64_t n);
_Static_assert(CAPOS_ERR_BAD_ADDRESS == -10, "usercopy.S returns -10");

/* The checked copies open SMAP (STAC) for exactly the copy, inline here beside the
 * flag rather than through arch_user_access_begin/end. */
int arch_copy_from_user(void *dst, uint64_t usrc, uint64_t n)
{
	bool smap = smap_enabled;

	if (smap)
		stac();
	int r = arch_user_copy_raw(dst, (const void *)(uintptr_t)usrc, n);
	if (smap)
		clac();
	return r;
}

int arch_copy_to_user(uint64_t udst, const void *src, uint64_t n)
{
	bool smap = smap_enabled;

	if (smap)
		stac();
	int r = arch_user_copy_raw((void *)(uintptr_t)udst, src, n);
	if (smap)
		clac();
	return r;
}
