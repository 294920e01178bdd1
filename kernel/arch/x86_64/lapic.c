/*
 * Local APIC: enable, EOI, interprocessor interrupts (ICR), and the timer used for
 * calibration (free-running one-shot), the periodic tick and the scheduler's one-shot
 * deadline (LAPIC count or TSC-deadline). x2APIC mode (registers as MSRs 0x800 +
 * offset/16, 32-bit ids, a single 64-bit ICR without a delivery-status bit) when CPUID
 * offers it, else xAPIC (MMIO; the register window is the same physical page on every
 * CPU). QEMU 7.2 TCG offers neither x2APIC nor TSC-deadline (`-cpu max,+x2apic` is
 * refused with a warning), so under QEMU the xAPIC and LAPIC-count paths run; the
 * others are written from the SDM (vol. 3, 11.12 and 11.5.4.1). Acts on the calling
 * CPU's APIC. Lock legend: [I] set by the BSP before any AP starts.
 */
#include <arch/cpu.h>
#include <arch/platform.h>
#include <capos/error.h>
#include <kernel/acpi.h>
#include <kernel/mm.h>

/* Register offsets (Intel SDM vol. 3, table 11-1). */
#define LAPIC_ID 0x020
#define LAPIC_VER 0x030
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_ESR 0x280
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0

#define SVR_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)
#define LVT_TIMER_PERIODIC (1u << 17)
#define LVT_DELIVERY_NMI (4u << 8)
#define LVT_ACTIVE_LOW (1u << 13)
#define LVT_TIMER_TSC_DEADLINE (2u << 17)
#define TIMER_DIV_16 0x3u
#define ICR_DELIVERY_PENDING (1u << 12)

#define MSR_APIC_BASE 0x1bu
#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_X2APIC (1ull << 10)
#define MSR_X2APIC_BASE 0x800u
#define MSR_X2APIC_ICR 0x830u
#define MSR_TSC_DEADLINE 0x6e0u
#define CPUID1_ECX_X2APIC (1u << 21)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)

#define ICR_WAIT_US 1000u /* xAPIC delivery-status wait */

static volatile uint32_t *lapic_regs; /* [I] set once by lapic_init on the BSP */
static bool lapic_x2;		      /* [I] x2APIC mode */
static bool lapic_deadline_ok;	      /* [I] CPUID offers the TSC-deadline mode */

static uint32_t lapic_read(uint32_t reg)
{
	if (lapic_x2)
		return (uint32_t)rdmsr(MSR_X2APIC_BASE + reg / 16);
	return lapic_regs[reg / 4];
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	if (lapic_x2)
		wrmsr(MSR_X2APIC_BASE + reg / 16, v);
	else
		lapic_regs[reg / 4] = v;
}

uint32_t lapic_id(void)
{
	return lapic_x2 ? lapic_read(LAPIC_ID) : lapic_read(LAPIC_ID) >> 24;
}

bool lapic_x2apic(void)
{
	return lapic_x2;
}

bool lapic_tsc_deadline(void)
{
	return lapic_deadline_ok;
}

/* x2APIC mode on this CPU (the BSP decided; IA32_APIC_BASE.EXTD with EN). */
static void lapic_enter_x2apic(void)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
}

uint32_t lapic_version(void)
{
	return lapic_read(LAPIC_VER);
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

uint32_t lapic_error_status(void)
{
	/* The ESR is updated by a write; the read then returns the latched errors. */
	lapic_write(LAPIC_ESR, 0);
	return lapic_read(LAPIC_ESR);
}

/* LVT value for an NMI LINT pin, honouring the MADT's polarity (trigger is edge). */
static uint32_t lapic_nmi_lvt(uint16_t mps_flags)
{
	uint32_t lvt = LVT_DELIVERY_NMI;

	if ((mps_flags & ACPI_MPS_POLARITY_MASK) == ACPI_MPS_POLARITY_LOW)
		lvt |= LVT_ACTIVE_LOW;
	return lvt;
}

/* The register set-up every CPU's APIC gets (BSP: lapic_init, APs: lapic_init_ap). */
static void lapic_setup_local(void)
{
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, VEC_LAPIC_ERROR);
	/* The ESR latches on write; two writes clear anything left by firmware. */
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_LAPIC_SPURIOUS);
	lapic_eoi();
}

int lapic_init(uint64_t phys)
{
	volatile void *regs;
	struct cpuid_regs r = cpuid(1, 0);
	int err = mm_map_mmio(phys, 0x1000, &regs);
	if (err != CAPOS_OK)
		return err;
	lapic_regs = regs;
	lapic_deadline_ok = (r.ecx & CPUID1_ECX_TSC_DEADLINE) != 0;
	if (r.ecx & CPUID1_ECX_X2APIC) {
		lapic_enter_x2apic();
		lapic_x2 = true;
	}
	/* Integrated APICs report version 0x1X; all ones means nothing answered. */
	uint32_t ver = lapic_version() & 0xff;
	if (ver < 0x10 || ver > 0x1f)
		return CAPOS_ERR_PLATFORM_NO_LAPIC;
	lapic_setup_local();
	return CAPOS_OK;
}

void lapic_init_ap(void)
{
	if (lapic_x2)
		lapic_enter_x2apic();
	lapic_setup_local();
}

/* xAPIC: wait (bounded by the TSC) for the previous IPI to leave the ICR. */
static int lapic_icr_idle(void)
{
	uint64_t hz = arch_tsc_hz();
	uint64_t end = cpu_rdtsc() + (hz ? hz / 1000000 * ICR_WAIT_US : 0);
	uint32_t polls = 0;

	while (lapic_read(LAPIC_ICR_LO) & ICR_DELIVERY_PENDING) {
		/* Before calibration (hz 0) a poll count bounds the wait instead. */
		if (hz ? cpu_rdtsc() > end : ++polls > 1000000u)
			return CAPOS_ERR_SMP_IPI_TIMEOUT;
		__asm__ volatile("pause");
	}
	return CAPOS_OK;
}

int lapic_send_icr(uint32_t apic_id, uint32_t icr_low)
{
	unsigned long flags = arch_irq_save();
	int err = CAPOS_OK;

	if (lapic_x2) {
		wrmsr(MSR_X2APIC_ICR, (uint64_t)apic_id << 32 | icr_low);
		goto out;
	}
	if (apic_id > 0xff) {
		err = CAPOS_ERR_OUT_OF_RANGE;
		goto out;
	}
	err = lapic_icr_idle();
	if (err != CAPOS_OK)
		goto out;
	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, icr_low);
	err = lapic_icr_idle();
out:
	arch_irq_restore(flags);
	return err;
}

void lapic_set_nmi_pin(uint8_t lint, uint16_t mps_flags)
{
	lapic_write(lint == 0 ? LAPIC_LVT_LINT0 : LAPIC_LVT_LINT1, lapic_nmi_lvt(mps_flags));
}

void lapic_timer_start_free(void)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
}

uint32_t lapic_timer_current(void)
{
	return lapic_read(LAPIC_TIMER_CUR);
}

/*
 * Program the count-down timer: stop it first (initial count 0), then divider, LVT and
 * count. Without the stop, the LVT write would run the new mode on the previous mode's
 * count for a moment: a one-shot count of 1 turned periodic is a timer with a 2-tick
 * period, an interrupt storm on hardware and a livelock under QEMU, whose main loop then
 * re-runs the expired APIC timer forever while holding the lock the vCPU needs to write
 * the new count (the one-shot self-test hung ~1 boot in 8 this way).
 */
static void lapic_timer_program(uint32_t lvt, uint32_t count)
{
	lapic_write(LAPIC_TIMER_INIT, 0);
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, lvt);
	lapic_write(LAPIC_TIMER_INIT, count);
}

void lapic_timer_start_periodic(uint8_t vector, uint32_t count)
{
	lapic_timer_program(LVT_TIMER_PERIODIC | vector, count);
}

void lapic_timer_stop(void)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, 0);
}

void lapic_timer_start_oneshot(uint8_t vector, uint32_t count)
{
	lapic_timer_program(vector, count); /* mode 00: one-shot */
}

void lapic_timer_start_deadline(uint8_t vector, uint64_t tsc)
{
	lapic_write(LAPIC_TIMER_INIT, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_TSC_DEADLINE | vector);
	/* SDM 11.5.4.1: the LVT write (MMIO in xAPIC mode) must be ordered before the
	 * WRMSR that arms the deadline. */
	__asm__ volatile("mfence" : : : "memory");
	wrmsr(MSR_TSC_DEADLINE, tsc ? tsc : 1); /* 0 would disarm */
}
