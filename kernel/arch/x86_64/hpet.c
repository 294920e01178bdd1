/*
 * HPET: only the main counter is used, as the reference clock that calibrates the
 * LAPIC timer and the TSC. Every comparator interrupt and legacy replacement routing
 * is switched off, so the HPET never raises an interrupt.
 */
#include <arch/platform.h>
#include <capos/error.h>
#include <kernel/mm.h>

#define HPET_CAP 0x000
#define HPET_CONFIG 0x010
#define HPET_COUNTER 0x0f0
#define HPET_TIMER_CONFIG(n) (0x100 + 0x20 * (n))

#define CAP_COUNT_64BIT (1ull << 13)
#define CAP_NUM_TIMERS(cap) ((((cap) >> 8) & 0x1f) + 1)
#define CONFIG_ENABLE 0x1ull
#define CONFIG_LEGACY_ROUTE 0x2ull
#define TIMER_INT_ENABLE 0x4ull

#define FS_PER_S 1000000000000000ull
#define HPET_MAX_PERIOD_FS 100000000ull /* 100 ns: the HPET spec's upper bound */

static volatile uint64_t *hpet_regs; /* [I] set once by hpet_start */
static uint64_t hpet_mask;	     /* [I] counter width mask */

static uint64_t hpet_read(uint32_t reg)
{
	return hpet_regs[reg / 8];
}

static void hpet_write(uint32_t reg, uint64_t v)
{
	hpet_regs[reg / 8] = v;
}

int hpet_start(uint64_t phys, uint64_t *hz)
{
	volatile void *regs;
	int err = mm_map_mmio(phys, 0x400, &regs);
	if (err != CAPOS_OK)
		return err;
	hpet_regs = regs;
	uint64_t cap = hpet_read(HPET_CAP);
	uint64_t period_fs = cap >> 32;
	if (period_fs == 0 || period_fs > HPET_MAX_PERIOD_FS)
		return CAPOS_ERR_PLATFORM_HPET;
	hpet_mask = (cap & CAP_COUNT_64BIT) ? ~0ull : 0xffffffffull;

	uint64_t cfg = hpet_read(HPET_CONFIG) & ~(CONFIG_ENABLE | CONFIG_LEGACY_ROUTE);
	hpet_write(HPET_CONFIG, cfg);
	for (uint32_t t = 0; t < CAP_NUM_TIMERS(cap); t++)
		hpet_write(HPET_TIMER_CONFIG(t),
			   hpet_read(HPET_TIMER_CONFIG(t)) & ~TIMER_INT_ENABLE);
	hpet_write(HPET_CONFIG, cfg | CONFIG_ENABLE);
	*hz = FS_PER_S / period_fs;
	return CAPOS_OK;
}

uint64_t hpet_counter(void)
{
	return hpet_read(HPET_COUNTER) & hpet_mask;
}

uint64_t hpet_counter_mask(void)
{
	return hpet_mask;
}
