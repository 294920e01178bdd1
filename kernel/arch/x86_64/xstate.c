/*
 * Extended CPU state (x87, SSE, AVX) for user threads. At boot: CR0.MP on, EM/TS off,
 * CR4.OSFXSR|OSXMMEXCPT, and when CPUID has XSAVE, CR4.OSXSAVE with XCR0 = x87|SSE
 * (+AVX when offered); the area size then comes from CPUID leaf 0xD. Without XSAVE,
 * FXSAVE's fixed 512-byte area is used. The kernel itself never touches these
 * registers (-mgeneral-regs-only), so state is switched eagerly in arch_switch and
 * nothing is lazy; XSAVEOPT is used when CPUID offers it (why that is safe: arch/xstate.h).
 * The BSP chooses (xstate_init); every CPU enables the same (xstate_cpu_enable).
 * Lock legend: [I] written once at boot.
 */
#include <arch/cpu.h>
#include <arch/smp.h>
#include <arch/xstate.h>
#include <kernel/arch.h>
#include <kernel/log.h>

#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_OSXSAVE (1ull << 18)
#define CPUID1_ECX_XSAVE (1u << 26)
#define CPUID1_ECX_AVX (1u << 28)
#define CPUID1_EDX_FXSR (1u << 24)
#define CPUIDD1_EAX_XSAVEOPT (1u << 0)

#define XCR0_X87 0x1ull
#define XCR0_SSE 0x2ull
#define XCR0_AVX 0x4ull

#define FX_FCW_OFF 0
#define FX_MXCSR_OFF 24
#define FCW_DEFAULT 0x037f
#define MXCSR_DEFAULT 0x1f80

uint8_t xstate_mode = XSTATE_FXSAVE; /* [I] */
uint64_t xstate_mask;		     /* [I] */
static uint64_t xs_size;	     /* [I] area bytes */

static inline void xsetbv(uint32_t reg, uint64_t v)
{
	__asm__ volatile("xsetbv" : : "c"(reg), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline void fninit(void)
{
	__asm__ volatile("fninit");
}

void xstate_cpu_enable(void)
{
	write_cr0((read_cr0() | CR0_MP) & ~(CR0_EM | CR0_TS));
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	if (xstate_mode != XSTATE_FXSAVE) {
		write_cr4(read_cr4() | CR4_OSXSAVE);
		xsetbv(0, xstate_mask);
	}
	fninit();
}

void xstate_init(void)
{
	struct cpuid_regs r = cpuid(1, 0);

	if (r.ecx & CPUID1_ECX_XSAVE) {
		xstate_mask = XCR0_X87 | XCR0_SSE | ((r.ecx & CPUID1_ECX_AVX) ? XCR0_AVX : 0);
		xstate_mode =
			(cpuid(0xd, 1).eax & CPUIDD1_EAX_XSAVEOPT) ? XSTATE_XSAVEOPT : XSTATE_XSAVE;
	}
	xstate_cpu_enable();
	/* CPUID 0xD.0 EBX: the area for the components now enabled in XCR0. */
	xs_size = xstate_mode != XSTATE_FXSAVE ? cpuid(0xd, 0).ebx : 512;
	static const char *const names[] = { "fxsave", "xsave", "xsaveopt" };

	klog("cpu", "xstate: %s, components x87 sse%s, %llu-byte area", names[xstate_mode],
	     (xstate_mask & XCR0_AVX) ? " avx" : "", (unsigned long long)xs_size);
}

uint64_t arch_xstate_size(void)
{
	return xs_size;
}

void arch_xstate_init(void *area)
{
	uint8_t *a = area;

	for (uint64_t i = 0; i < xs_size; i++)
		a[i] = 0;
	/* Legacy region; with XSAVE, XSTATE_BV = 0 in the header means "init state" for
	 * every component, but MXCSR is always loaded from here. */
	*(uint16_t *)(a + FX_FCW_OFF) = FCW_DEFAULT;
	*(uint32_t *)(a + FX_MXCSR_OFF) = MXCSR_DEFAULT;
}
