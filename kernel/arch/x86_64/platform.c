/*
 * Platform bring-up on the BSP (arch_platform_init): find ACPI, read the MADT and the
 * HPET table, mask the legacy PICs and every IOAPIC pin, enable the local APIC,
 * calibrate the LAPIC timer and the TSC, and start the periodic tick. Logs the
 * `[acpi]`, `[apic]` and `[timer]` lines the boot tests match (formats documented in
 * kernel/arch.h next to arch_platform_init).
 *
 * Physical access: ACPI tables through kmem's direct map (mm_direct_range checks
 * each page is mapped), device registers through mm_map_mmio (uncached), so this
 * runs after mm_init.
 *
 * State here is [I]: written once during boot before interrupts are enabled.
 */
#include <arch/platform.h>
#include <arch/timer.h>
#include <capos/error.h>
#include <fmt/fmt.h>
#include <kernel/acpi.h>
#include <kernel/arch.h>
#include <kernel/log.h>
#include <kernel/mm.h>

#define BIOS_EBDA_SEG_PTR 0x40eu /* BDA word: EBDA segment */
#define BIOS_AREA_START 0xe0000u /* RSDP search area per ACPI 6.5 §5.2.5.1 */
#define BIOS_AREA_END 0x100000u
#define EBDA_SEARCH_LEN 1024u

static struct acpi plat_acpi;	   /* [I] */
static struct acpi_madt plat_madt; /* [I] */
static uint32_t plat_bsp_apic_id;  /* [I] */
static uint32_t plat_spurious;	   /* [BSP irq] spurious interrupts seen, for debuggers */

/* acpi_map_fn for the kernel: the direct map, where kmem has mapped the range. */
static const void *plat_acpi_map(void *ctx, uint64_t phys, size_t len)
{
	const void *p;

	(void)ctx;
	return mm_direct_range(phys, len, &p) == CAPOS_OK ? p : NULL;
}

/* Legacy RSDP search (Multiboot1 boots carry no copy): EBDA first KiB, then BIOS ROM. */
static int plat_rsdp_scan(const uint8_t **rsdp, size_t *len, uint64_t *phys)
{
	const uint8_t *bda = plat_acpi_map(NULL, BIOS_EBDA_SEG_PTR, 2);
	uint64_t ebda = bda ? (uint64_t)(bda[0] | bda[1] << 8) << 4 : 0;
	uint64_t areas[2][2] = { { ebda, EBDA_SEARCH_LEN },
				 { BIOS_AREA_START, BIOS_AREA_END - BIOS_AREA_START } };

	for (int i = 0; i < 2; i++) {
		size_t off;
		if (areas[i][0] == 0)
			continue;
		const uint8_t *a = plat_acpi_map(NULL, areas[i][0], areas[i][1]);
		if (a == NULL || acpi_rsdp_scan(a, areas[i][1], &off) != CAPOS_OK)
			continue;
		*rsdp = a + off;
		*len = areas[i][1] - off;
		*phys = areas[i][0] + off;
		return CAPOS_OK;
	}
	return CAPOS_ERR_ACPI_NO_TABLE;
}

static void plat_log_tables(const struct acpi *a)
{
	char line[160];
	size_t n = 0;

	line[0] = '\0';
	for (uint32_t i = 0; i < a->entry_count && n + 6 < sizeof(line); i++) {
		const uint8_t *h = plat_acpi_map(NULL, acpi_root_entry(a, i), 4);
		int w = h ? fmt_snprintf(line + n, sizeof(line) - n, " %.4s", (const char *)h)
			  : fmt_snprintf(line + n, sizeof(line) - n, " ????");
		if (w > 0)
			n += (size_t)w;
	}
	klog("acpi", "tables:%s", line);
}

static int plat_acpi_init(const uint8_t *rsdp_copy, size_t rsdp_len)
{
	uint64_t rsdp_phys = 0;
	int err;

	if (rsdp_len == 0) {
		err = plat_rsdp_scan(&rsdp_copy, &rsdp_len, &rsdp_phys);
		if (err != CAPOS_OK) {
			klog("acpi", "no RSDP: boot loader gave none and the BIOS areas hold none");
			return err;
		}
	}
	err = acpi_init(&plat_acpi, rsdp_copy, rsdp_len, plat_acpi_map, NULL);
	if (err != CAPOS_OK) {
		klog("acpi", "RSDP/root table invalid: %s", capos_error_name(err));
		return err;
	}
	const struct acpi *a = &plat_acpi;
	if (rsdp_phys != 0)
		klog("acpi", "RSDP rev %u at %#llx (bios scan), %s at %#llx, %u tables",
		     a->rsdp.revision, (unsigned long long)rsdp_phys, a->use_xsdt ? "XSDT" : "RSDT",
		     (unsigned long long)a->root_phys, a->entry_count);
	else
		klog("acpi", "RSDP rev %u at boot loader copy, %s at %#llx, %u tables",
		     a->rsdp.revision, a->use_xsdt ? "XSDT" : "RSDT",
		     (unsigned long long)a->root_phys, a->entry_count);
	plat_log_tables(a);
	return CAPOS_OK;
}

static void plat_log_madt(const struct acpi_madt *m)
{
	char ids[128];
	size_t n = 0;

	ids[0] = '\0';
	for (uint32_t i = 0; i < m->cpu_count; i++) {
		int w = fmt_snprintf(ids + n, sizeof(ids) - n, "%s%u", i ? " " : "",
				     m->cpus[i].apic_id);
		if (w < 0 || (size_t)w >= sizeof(ids) - n - 4) {
			fmt_snprintf(ids + n, sizeof(ids) - n, " ...");
			break;
		}
		n += (size_t)w;
	}
	char io[64] = "no IOAPIC";
	if (m->ioapic_count > 0)
		fmt_snprintf(io, sizeof(io), "IOAPIC id %u at %#x gsi %u", m->ioapics[0].id,
			     m->ioapics[0].phys, m->ioapics[0].gsi_base);
	klog("acpi", "MADT: %u CPUs (apic ids %s), %s, %u overrides", m->cpu_count, ids, io,
	     m->override_count);
	klog("acpi",
	     "MADT: lapic at %#llx%s, %u enabled, %u unusable, %u IOAPICs, "
	     "%u NMI sources, %u lapic NMIs, dropped %u cpus %u ioapics %u overrides",
	     (unsigned long long)m->lapic_phys, m->lapic_overridden ? " (override)" : "",
	     m->cpus_enabled, m->cpus_unusable, m->ioapic_count, m->nmi_source_count,
	     m->lapic_nmi_count, m->cpus_dropped, m->ioapics_dropped, m->overrides_dropped);
}

/* The MADT entry of the CPU with `apic_id`, or NULL. */
static const struct acpi_madt_cpu *plat_madt_cpu(const struct acpi_madt *m, uint32_t apic_id)
{
	for (uint32_t i = 0; i < m->cpu_count; i++)
		if (m->cpus[i].apic_id == apic_id)
			return &m->cpus[i];
	return NULL;
}

/* The MADT's LINT-as-NMI entry for this CPU (by UID), defaulting to LINT1 high/edge. */
static void plat_lapic_nmi(const struct acpi_madt *m, uint32_t apic_id)
{
	const struct acpi_madt_cpu *cpu = plat_madt_cpu(m, apic_id);
	uint32_t uid = cpu ? cpu->uid : ACPI_MADT_ALL_CPUS_UID;

	for (uint32_t i = 0; i < m->lapic_nmi_count; i++) {
		const struct acpi_madt_lapic_nmi *e = &m->lapic_nmis[i];
		if (e->uid == ACPI_MADT_ALL_CPUS_UID || e->uid == uid) {
			lapic_set_nmi_pin(e->lint, e->flags);
			return;
		}
	}
	lapic_set_nmi_pin(1, 0);
}

static void plat_spurious_irq(struct arch_trap_frame *tf)
{
	(void)tf;
	plat_spurious++;
}

static void plat_pic_spurious_slave_irq(struct arch_trap_frame *tf)
{
	(void)tf;
	plat_spurious++;
	pic_spurious_slave_ack();
}

static void plat_lapic_error_irq(struct arch_trap_frame *tf)
{
	(void)tf;
	klog("apic", "LAPIC error interrupt, esr %#x", lapic_error_status());
	lapic_eoi();
}

static int plat_irq_setup(void)
{
	int err = arch_irq_register(VEC_LAPIC_SPURIOUS, plat_spurious_irq);
	if (err == CAPOS_OK)
		err = arch_irq_register(VEC_PIC_SPURIOUS_MASTER, plat_spurious_irq);
	if (err == CAPOS_OK)
		err = arch_irq_register(VEC_PIC_SPURIOUS_SLAVE, plat_pic_spurious_slave_irq);
	if (err == CAPOS_OK)
		err = arch_irq_register(VEC_LAPIC_ERROR, plat_lapic_error_irq);
	return err;
}

static int plat_apic_init(const struct acpi_madt *m)
{
	pic_disable();
	int err = lapic_init(m->lapic_phys);
	if (err != CAPOS_OK)
		return err;
	plat_bsp_apic_id = lapic_id();
	if (plat_madt_cpu(m, plat_bsp_apic_id) == NULL)
		klog("apic", "warning: boot CPU apic id %u is not among the MADT's CPUs",
		     plat_bsp_apic_id);
	plat_lapic_nmi(m, plat_bsp_apic_id);
	klog("apic", "pic masked; lapic id %u version %#x enabled (%s)", plat_bsp_apic_id,
	     lapic_version(), lapic_x2apic() ? "x2apic msr" : "xapic mmio");

	for (uint32_t i = 0; i < m->ioapic_count; i++) {
		uint32_t pins, ver;
		err = ioapic_mask_all(m->ioapics[i].phys, m->ioapics[i].gsi_base, &pins, &ver);
		if (err != CAPOS_OK)
			return err;
		klog("apic", "ioapic id %u version %#x: %u pins masked (gsi %u..%u)",
		     m->ioapics[i].id, ver, pins, m->ioapics[i].gsi_base,
		     m->ioapics[i].gsi_base + pins - 1);
	}
	return CAPOS_OK;
}

/* One line with every calibration window's result, for judging the spread. */
static void plat_log_samples(const char *what, const uint64_t *hz)
{
	char line[TIMER_CALIB_SAMPLES * 21 + 1];
	size_t n = 0;

	line[0] = '\0';
	for (int i = 0; i < TIMER_CALIB_SAMPLES; i++) {
		int w = fmt_snprintf(line + n, sizeof(line) - n, " %llu",
				     (unsigned long long)hz[i]);
		if (w < 0 || (size_t)w >= sizeof(line) - n)
			break;
		n += (size_t)w;
	}
	klog("timer", "%s samples (%u x %u ms, Hz):%s", what, TIMER_CALIB_SAMPLES,
	     TIMER_CALIB_WINDOW_MS, line);
}

/* Pick the reference: the HPET if the table is present and usable, else the PIT. */
static int plat_timer_init(void)
{
	struct acpi_hpet hpet;
	uint64_t hz = PIT_HZ;
	enum timer_ref ref = TIMER_REF_PIT;

	int err = acpi_hpet_load(&plat_acpi, &hpet);
	if (err == CAPOS_OK) {
		err = hpet_start(hpet.phys, &hz);
		if (err == CAPOS_OK) {
			ref = TIMER_REF_HPET;
			klog("timer", "hpet at %#llx: %llu Hz, %u comparators, %s counter",
			     (unsigned long long)hpet.phys, (unsigned long long)hz,
			     hpet.comparators, hpet.counter_64bit ? "64-bit" : "32-bit");
		} else {
			hz = PIT_HZ;
		}
	}
	if (ref == TIMER_REF_PIT)
		klog("timer", "no usable hpet (%s); using the pit", capos_error_name(err));

	err = timer_calibrate(ref, hz);
	if (err != CAPOS_OK)
		return err;
	const struct timer_calibration *c = timer_calibration();
	klog("timer", "lapic %llu Hz, tsc %llu MHz, calibrated against %s",
	     (unsigned long long)c->lapic_hz, (unsigned long long)(c->tsc_hz / 1000000),
	     timer_ref_name(c->ref));
	plat_log_samples("lapic", c->samples_lapic_hz);
	plat_log_samples("tsc", c->samples_tsc_hz);
	if (c->disturbed > 0)
		klog("timer", "%u disturbed calibration windows measured again", c->disturbed);

	err = timer_start_periodic();
	if (err != CAPOS_OK)
		return err;
	klog("timer", "periodic lapic tick at %u Hz on vector %#x", ARCH_TIMER_HZ, VEC_TIMER);
	return CAPOS_OK;
}

int arch_platform_init(const uint8_t *rsdp_copy, size_t rsdp_len)
{
	int err = plat_acpi_init(rsdp_copy, rsdp_len);
	if (err != CAPOS_OK)
		return err;
	err = acpi_madt_load(&plat_acpi, &plat_madt);
	if (err != CAPOS_OK) {
		klog("acpi", "MADT unusable: %s", capos_error_name(err));
		return err;
	}
	plat_log_madt(&plat_madt);

	err = plat_irq_setup();
	if (err != CAPOS_OK)
		return err;
	err = plat_apic_init(&plat_madt);
	if (err != CAPOS_OK) {
		klog("apic", "interrupt controller set-up failed: %s", capos_error_name(err));
		return err;
	}
	err = plat_timer_init();
	if (err != CAPOS_OK)
		klog("timer", "timer set-up failed: %s", capos_error_name(err));
	return err;
}

/* The MADT's interrupt source override for ISA IRQ `irq`, or NULL (identity wiring). */
static const struct acpi_madt_override *plat_isa_override(uint8_t irq)
{
	for (uint32_t i = 0; i < plat_madt.override_count; i++)
		if (plat_madt.overrides[i].bus == 0 && plat_madt.overrides[i].source == irq)
			return &plat_madt.overrides[i];
	return NULL;
}

int platform_isa_irq_route(uint8_t isa_irq, arch_irq_handler_fn *fn, uint32_t *gsi)
{
	const struct acpi_madt_override *o = isa_irq < 16 ? plat_isa_override(isa_irq) : NULL;
	uint16_t flags = o ? o->flags : 0;
	uint32_t g = o ? o->gsi : isa_irq;
	int err;

	if (isa_irq >= 16 || g >= VEC_TIMER - VEC_IOAPIC_BASE)
		return CAPOS_ERR_OUT_OF_RANGE;
	err = arch_irq_register(VEC_IOAPIC_BASE + g, fn);
	if (err == CAPOS_OK)
		err = ioapic_route(g, (uint8_t)(VEC_IOAPIC_BASE + g), plat_bsp_apic_id,
				   (flags & ACPI_MPS_TRIGGER_MASK) == ACPI_MPS_TRIGGER_LEVEL,
				   (flags & ACPI_MPS_POLARITY_MASK) == ACPI_MPS_POLARITY_LOW);
	if (err == CAPOS_OK)
		*gsi = g;
	return err;
}

uint32_t arch_platform_cpu_count(void)
{
	return plat_madt.cpu_count;
}

const struct acpi_madt *platform_madt(void)
{
	return &plat_madt;
}

void platform_lapic_nmi_setup(void)
{
	plat_lapic_nmi(&plat_madt, lapic_id());
}
