/*
 * IOAPIC discovery and routing: each IOAPIC the MADT lists is mapped and every
 * redirection entry is programmed masked, so no device interrupt reaches a CPU before
 * a driver asks for it; ioapic_route then unmasks one GSI (the first user: COM2's
 * receive interrupt, kernel/arch/x86_64/uart.c; the ISA override lookup is in
 * platform.c).
 *
 * Lock legend: [I] written during boot before interrupts are enabled; [B] boot CPU
 * with interrupts off (routing happens from kernel code, which runs that way).
 */
#include <arch/platform.h>
#include <capos/error.h>
#include <kernel/mm.h>

#define IOAPIC_REGSEL 0x00 /* byte offset of the index register */
#define IOAPIC_WIN 0x10	   /* byte offset of the data window */
#define IOAPIC_REG_VER 0x01
#define IOAPIC_REG_REDIR(pin) (0x10 + 2 * (pin))
#define REDIR_MASKED (1u << 16)
#define REDIR_LEVEL (1u << 15)	    /* trigger mode: level (else edge) */
#define REDIR_ACTIVE_LOW (1u << 13) /* pin polarity: active low (else high) */
#define REDIR_DEST_SHIFT 24	    /* physical destination APIC id, high dword */

/* The IOAPICs mapped by ioapic_mask_all, for routing. [I] */
static struct ioapic_unit {
	volatile uint32_t *base;
	uint32_t gsi_base;
	uint32_t pins;
} ioapic_units[IOAPIC_MAX_UNITS];
static uint32_t ioapic_unit_count; /* [I] */

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

int ioapic_mask_all(uint64_t phys, uint32_t gsi_base, uint32_t *pins, uint32_t *version)
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
	if (ioapic_unit_count < IOAPIC_MAX_UNITS)
		ioapic_units[ioapic_unit_count++] =
			(struct ioapic_unit){ .base = base, .gsi_base = gsi_base, .pins = n };
	*pins = n;
	*version = ver & 0xff;
	return CAPOS_OK;
}

int ioapic_route(uint32_t gsi, uint8_t vector, uint32_t dest_apic, bool level, bool active_low)
{
	for (uint32_t i = 0; i < ioapic_unit_count; i++) {
		struct ioapic_unit *u = &ioapic_units[i];

		if (gsi < u->gsi_base || gsi - u->gsi_base >= u->pins)
			continue;
		uint32_t pin = gsi - u->gsi_base;
		uint32_t lo =
			vector | (level ? REDIR_LEVEL : 0) | (active_low ? REDIR_ACTIVE_LOW : 0);

		/* Masked while the destination changes, then unmasked in one write. */
		ioapic_write(u->base, IOAPIC_REG_REDIR(pin), REDIR_MASKED | lo);
		ioapic_write(u->base, IOAPIC_REG_REDIR(pin) + 1, dest_apic << REDIR_DEST_SHIFT);
		ioapic_write(u->base, IOAPIC_REG_REDIR(pin), lo);
		return CAPOS_OK;
	}
	return CAPOS_ERR_NOT_FOUND;
}
