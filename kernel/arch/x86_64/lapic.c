/*
 * Local APIC in xAPIC (MMIO) mode: enable, EOI, and the timer used for calibration
 * (free-running one-shot) and the periodic tick. x2APIC is deliberately not used:
 * QEMU TCG's `-cpu max` does not offer it (design/qemu-notes.md §5). Acts on the
 * calling CPU's APIC; the register window is the same physical page on every CPU.
 */
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
#define TIMER_DIV_16 0x3u

static volatile uint32_t *lapic_regs; /* [I] set once by lapic_init on the BSP */

static uint32_t lapic_read(uint32_t reg)
{
	return lapic_regs[reg / 4];
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	lapic_regs[reg / 4] = v;
}

uint32_t lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
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

int lapic_init(uint64_t phys)
{
	volatile void *regs;
	int err = mm_map_mmio(phys, 0x1000, &regs);
	if (err != CAPOS_OK)
		return err;
	lapic_regs = regs;
	/* Integrated APICs report version 0x1X; all ones means nothing answered. */
	uint32_t ver = lapic_version() & 0xff;
	if (ver < 0x10 || ver > 0x1f)
		return CAPOS_ERR_PLATFORM_NO_LAPIC;

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
	return CAPOS_OK;
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

void lapic_timer_start_periodic(uint8_t vector, uint32_t count)
{
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_PERIODIC | vector);
	lapic_write(LAPIC_TIMER_INIT, count);
}

void lapic_timer_stop(void)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, 0);
}
