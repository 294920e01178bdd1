/*
 * IOAPIC discovery: each IOAPIC the MADT lists is mapped and every redirection entry
 * is programmed masked, so no device interrupt reaches a CPU before a driver asks for
 * it. Routing (with the MADT's interrupt source overrides) comes with the first
 * device driver.
 */
#include <arch/platform.h>
#include <capos/error.h>
#include <kernel/mm.h>

#define IOAPIC_REGSEL 0x00 /* byte offset of the index register */
#define IOAPIC_WIN 0x10	   /* byte offset of the data window */
#define IOAPIC_REG_VER 0x01
#define IOAPIC_REG_REDIR(pin) (0x10 + 2 * (pin))
#define REDIR_MASKED (1u << 16)

static uint32_t ioapic_read(volatile uint32_t *base, uint32_t reg)
{
	base[IOAPIC_REGSEL / 4] = reg;
	return base[IOAPIC_WIN / 4];
}

static void ioapic_write(volatile uint32_t *base, uint32_t reg, uint32_t v)
{
	base[IOAPIC_REGSEL / 4] = reg;
	base[IOAPIC_WIN / 4] = v;
}

int ioapic_mask_all(uint64_t phys, uint32_t *pins, uint32_t *version)
{
	volatile void *regs;
	int err = mm_map_mmio(phys, 0x20, &regs);
	if (err != CAPOS_OK)
		return err;
	volatile uint32_t *base = regs;
	uint32_t ver = ioapic_read(base, IOAPIC_REG_VER);
	if (ver == 0xffffffffu)
		return CAPOS_ERR_PLATFORM_IOAPIC;

	uint32_t n = ((ver >> 16) & 0xff) + 1;
	for (uint32_t pin = 0; pin < n; pin++) {
		/* Mask first, so the entry is never live with a half-written vector. */
		ioapic_write(base, IOAPIC_REG_REDIR(pin), REDIR_MASKED);
		ioapic_write(base, IOAPIC_REG_REDIR(pin) + 1, 0);
		ioapic_write(base, IOAPIC_REG_REDIR(pin), REDIR_MASKED | (VEC_IOAPIC_BASE + pin));
	}
	*pins = n;
	*version = ver & 0xff;
	return CAPOS_OK;
}
