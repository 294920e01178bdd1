/*
 * ACPI table parser (see kernel/acpi.h for the contract and the bounds policy).
 *
 * Owns nothing but the caller's result structs. Reads firmware tables only through
 * the caller's map callback and only within the lengths it has validated; every
 * multi-byte field is read with byte loads (tables are byte-packed and XSDT entries
 * are misaligned), so the same file runs in the kernel and under ASan/UBSan on the
 * host. Relies on nothing else.
 */
#include <kernel/acpi.h>

#include <capos/error.h>

/* Offsets inside the RSDP (ACPI 6.5 §5.2.5.3). */
#define RSDP_OEMID 9
#define RSDP_REVISION 15
#define RSDP_RSDT 16
#define RSDP_LENGTH 20
#define RSDP_XSDT 24

/* Offsets inside the common SDT header and the MADT/HPET fixed parts. */
#define SDT_LENGTH 4
#define SDT_REVISION 8
#define SDT_OEMID 10
#define MADT_LAPIC_BASE 36
#define MADT_FLAGS 40
#define HPET_BLOCK_ID 36
#define HPET_GAS_SPACE 40
#define HPET_GAS_ADDR 44
#define HPET_NUMBER 52
#define HPET_MIN_TICK 53

/* MADT entry types decoded here and their minimum lengths (ACPI 6.5 §5.2.12). */
enum madt_type {
	MADT_LAPIC = 0,
	MADT_IOAPIC = 1,
	MADT_OVERRIDE = 2,
	MADT_NMI_SOURCE = 3,
	MADT_LAPIC_NMI = 4,
	MADT_LAPIC_ADDR = 5,
	MADT_X2APIC = 9,
	MADT_X2APIC_NMI = 10,
};

static const uint8_t madt_min_len[] = {
	[MADT_LAPIC] = 8,     [MADT_IOAPIC] = 12,     [MADT_OVERRIDE] = 10, [MADT_NMI_SOURCE] = 8,
	[MADT_LAPIC_NMI] = 6, [MADT_LAPIC_ADDR] = 12, [MADT_X2APIC] = 16,   [MADT_X2APIC_NMI] = 12,
};

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static bool sig_eq(const uint8_t *p, const char *sig, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (uint8_t)sig[i])
			return false;
	return true;
}

static void copy_chars(char *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = (char)src[i];
}

/* ACPI checksums: all bytes of the structure sum to 0 modulo 256. */
static bool checksum_ok(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return sum == 0;
}

int acpi_rsdp_parse(const void *rsdp, size_t len, struct acpi_rsdp *out)
{
	const uint8_t *p = rsdp;

	if (len < ACPI_RSDP_V1_LEN)
		return CAPOS_ERR_ACPI_TRUNCATED;
	if (!sig_eq(p, "RSD PTR ", 8))
		return CAPOS_ERR_ACPI_SIGNATURE;
	if (!checksum_ok(p, ACPI_RSDP_V1_LEN))
		return CAPOS_ERR_ACPI_CHECKSUM;

	uint8_t revision = p[RSDP_REVISION];
	if (revision == 1)
		return CAPOS_ERR_ACPI_REVISION;

	*out = (struct acpi_rsdp){ .revision = revision,
				   .rsdt_phys = rd32(p + RSDP_RSDT),
				   .length = ACPI_RSDP_V1_LEN };
	copy_chars(out->oem_id, p + RSDP_OEMID, sizeof(out->oem_id));
	if (revision == 0)
		return CAPOS_OK;

	/* Revision >= 2: the extended structure, whose length field we must trust. */
	if (len < ACPI_RSDP_V2_LEN)
		return CAPOS_ERR_ACPI_TRUNCATED;
	uint32_t length = rd32(p + RSDP_LENGTH);
	if (length < ACPI_RSDP_V2_LEN || length > len)
		return CAPOS_ERR_ACPI_TRUNCATED;
	if (!checksum_ok(p, length))
		return CAPOS_ERR_ACPI_CHECKSUM;
	out->length = length;
	out->xsdt_phys = rd64(p + RSDP_XSDT);
	return CAPOS_OK;
}

int acpi_rsdp_scan(const void *area, size_t len, size_t *offset)
{
	const uint8_t *p = area;
	struct acpi_rsdp r;

	for (size_t off = 0; len >= ACPI_RSDP_V1_LEN && off <= len - ACPI_RSDP_V1_LEN; off += 16) {
		if (!sig_eq(p + off, "RSD PTR ", 8))
			continue;
		if (acpi_rsdp_parse(p + off, len - off, &r) == CAPOS_OK) {
			*offset = off;
			return CAPOS_OK;
		}
	}
	return CAPOS_ERR_ACPI_NO_TABLE;
}

static void decode_header(const uint8_t *t, uint64_t phys, struct acpi_sdt_header *hdr)
{
	copy_chars(hdr->signature, t, sizeof(hdr->signature));
	hdr->length = rd32(t + SDT_LENGTH);
	hdr->revision = t[SDT_REVISION];
	copy_chars(hdr->oem_id, t + SDT_OEMID, sizeof(hdr->oem_id));
	hdr->phys = phys;
}

/* Map just the 36-byte header at `phys`; NULL if the callback refuses. */
static const uint8_t *map_header(const struct acpi *acpi, uint64_t phys)
{
	if (phys == 0)
		return NULL;
	return acpi->map(acpi->map_ctx, phys, ACPI_SDT_HEADER_LEN);
}

int acpi_map_table(const struct acpi *acpi, uint64_t phys, const uint8_t **table,
		   struct acpi_sdt_header *hdr)
{
	const uint8_t *h = map_header(acpi, phys);
	if (h == NULL)
		return CAPOS_ERR_ACPI_UNMAPPED;
	uint32_t length = rd32(h + SDT_LENGTH);
	if (length < ACPI_SDT_HEADER_LEN)
		return CAPOS_ERR_ACPI_TRUNCATED;

	const uint8_t *t = acpi->map(acpi->map_ctx, phys, length);
	if (t == NULL)
		return CAPOS_ERR_ACPI_UNMAPPED;
	if (!checksum_ok(t, length))
		return CAPOS_ERR_ACPI_CHECKSUM;
	if (hdr != NULL)
		decode_header(t, phys, hdr);
	*table = t;
	return CAPOS_OK;
}

int acpi_init(struct acpi *acpi, const void *rsdp, size_t rsdp_len, acpi_map_fn *map, void *map_ctx)
{
	*acpi = (struct acpi){ .map = map, .map_ctx = map_ctx };
	int err = acpi_rsdp_parse(rsdp, rsdp_len, &acpi->rsdp);
	if (err != CAPOS_OK)
		return err;

	acpi->use_xsdt = acpi->rsdp.revision >= 2 && acpi->rsdp.xsdt_phys != 0;
	acpi->root_phys = acpi->use_xsdt ? acpi->rsdp.xsdt_phys : acpi->rsdp.rsdt_phys;

	const uint8_t *root;
	struct acpi_sdt_header hdr;
	err = acpi_map_table(acpi, acpi->root_phys, &root, &hdr);
	if (err != CAPOS_OK)
		return err;
	if (!sig_eq(root, acpi->use_xsdt ? "XSDT" : "RSDT", 4))
		return CAPOS_ERR_ACPI_SIGNATURE;

	uint32_t entry_size = acpi->use_xsdt ? 8 : 4;
	uint32_t body = hdr.length - ACPI_SDT_HEADER_LEN;
	if (body % entry_size != 0)
		return CAPOS_ERR_ACPI_MALFORMED;
	acpi->root = root;
	acpi->root_len = hdr.length;
	acpi->entry_count = body / entry_size;
	return CAPOS_OK;
}

uint64_t acpi_root_entry(const struct acpi *acpi, uint32_t index)
{
	const uint8_t *e = acpi->root + ACPI_SDT_HEADER_LEN;

	if (acpi->use_xsdt)
		return rd64(e + (size_t)index * 8);
	return rd32(e + (size_t)index * 4);
}

int acpi_find_table(const struct acpi *acpi, const char sig[4], uint32_t instance,
		    const uint8_t **table, struct acpi_sdt_header *hdr)
{
	for (uint32_t i = 0; i < acpi->entry_count; i++) {
		uint64_t phys = acpi_root_entry(acpi, i);
		const uint8_t *h = map_header(acpi, phys);
		if (h == NULL)
			return CAPOS_ERR_ACPI_UNMAPPED;
		if (!sig_eq(h, sig, 4))
			continue;
		if (instance-- > 0)
			continue;
		return acpi_map_table(acpi, phys, table, hdr);
	}
	return CAPOS_ERR_ACPI_NO_TABLE;
}

/*
 * Record one processor. Entries with neither flag are unusable by definition and are
 * only counted; usable ones beyond the array are dropped and counted.
 */
static int madt_add_cpu(struct acpi_madt *m, uint32_t apic_id, uint32_t uid, uint32_t flags,
			bool x2apic)
{
	if ((flags & (ACPI_MADT_CPU_ENABLED | ACPI_MADT_CPU_ONLINE_CAPABLE)) == 0) {
		m->cpus_unusable++;
		return CAPOS_OK;
	}
	for (uint32_t i = 0; i < m->cpu_count; i++)
		if (m->cpus[i].apic_id == apic_id)
			return CAPOS_ERR_ACPI_MALFORMED;
	if (m->cpu_count == ACPI_MADT_MAX_CPUS) {
		m->cpus_dropped++;
		return CAPOS_OK;
	}
	m->cpus[m->cpu_count++] = (struct acpi_madt_cpu){
		.apic_id = apic_id, .uid = uid, .flags = flags, .x2apic = x2apic
	};
	if (flags & ACPI_MADT_CPU_ENABLED)
		m->cpus_enabled++;
	return CAPOS_OK;
}

/* Append to a bounded array or count the drop; evaluates to a pointer or NULL. */
#define MADT_SLOT(m, arr, count, dropped, max)                                                     \
	((m)->count < (max) ? &(m)->arr[(m)->count++] : ((m)->dropped++, NULL))

static int madt_add_ioapic(struct acpi_madt *m, const uint8_t *e)
{
	/* Address 0 would aim the register writes at ordinary low memory. */
	if (rd32(e + 4) == 0)
		return CAPOS_ERR_ACPI_MALFORMED;
	struct acpi_madt_ioapic *s =
		MADT_SLOT(m, ioapics, ioapic_count, ioapics_dropped, ACPI_MADT_MAX_IOAPICS);
	if (s != NULL)
		*s = (struct acpi_madt_ioapic){ .id = e[2],
						.phys = rd32(e + 4),
						.gsi_base = rd32(e + 8) };
	return CAPOS_OK;
}

static void madt_add_override(struct acpi_madt *m, const uint8_t *e)
{
	struct acpi_madt_override *s =
		MADT_SLOT(m, overrides, override_count, overrides_dropped, ACPI_MADT_MAX_OVERRIDES);
	if (s != NULL)
		*s = (struct acpi_madt_override){
			.bus = e[2], .source = e[3], .gsi = rd32(e + 4), .flags = rd16(e + 8)
		};
}

static void madt_add_nmi_source(struct acpi_madt *m, const uint8_t *e)
{
	struct acpi_madt_nmi_source *s = MADT_SLOT(m, nmi_sources, nmi_source_count,
						   nmi_sources_dropped, ACPI_MADT_MAX_NMI_SOURCES);
	if (s != NULL)
		*s = (struct acpi_madt_nmi_source){ .flags = rd16(e + 2), .gsi = rd32(e + 4) };
}

static void madt_add_lapic_nmi(struct acpi_madt *m, uint32_t uid, uint16_t flags, uint8_t lint)
{
	struct acpi_madt_lapic_nmi *s = MADT_SLOT(m, lapic_nmis, lapic_nmi_count,
						  lapic_nmis_dropped, ACPI_MADT_MAX_LAPIC_NMIS);
	if (s != NULL)
		*s = (struct acpi_madt_lapic_nmi){ .uid = uid, .flags = flags, .lint = lint };
}

/* Decode one entry whose length has been checked against its type's minimum. */
static int madt_entry(struct acpi_madt *m, const uint8_t *e)
{
	switch (e[0]) {
	case MADT_LAPIC:
		return madt_add_cpu(m, e[3], e[2], rd32(e + 4), false);
	case MADT_X2APIC:
		return madt_add_cpu(m, rd32(e + 4), rd32(e + 12), rd32(e + 8), true);
	case MADT_IOAPIC:
		return madt_add_ioapic(m, e);
	case MADT_OVERRIDE:
		madt_add_override(m, e);
		return CAPOS_OK;
	case MADT_NMI_SOURCE:
		madt_add_nmi_source(m, e);
		return CAPOS_OK;
	case MADT_LAPIC_NMI:
		madt_add_lapic_nmi(m, e[2] == 0xff ? ACPI_MADT_ALL_CPUS_UID : e[2], rd16(e + 3),
				   e[5]);
		return CAPOS_OK;
	case MADT_X2APIC_NMI:
		madt_add_lapic_nmi(m, rd32(e + 4), rd16(e + 2), e[8]);
		return CAPOS_OK;
	case MADT_LAPIC_ADDR:
		m->lapic_phys = rd64(e + 4);
		m->lapic_overridden = true;
		return CAPOS_OK;
	default:
		m->unknown_entries++;
		return CAPOS_OK;
	}
}

/*
 * Zero the counters field by field: the arrays are only read below their counts, and
 * a whole-struct assignment would make the compiler call memset on a 4 KiB object.
 */
static void madt_reset(struct acpi_madt *m, uint32_t lapic_phys, uint32_t flags)
{
	m->lapic_phys = lapic_phys;
	m->flags = flags;
	m->lapic_overridden = false;
	m->cpu_count = m->cpus_enabled = m->cpus_unusable = m->cpus_dropped = 0;
	m->ioapic_count = m->ioapics_dropped = 0;
	m->override_count = m->overrides_dropped = 0;
	m->nmi_source_count = m->nmi_sources_dropped = 0;
	m->lapic_nmi_count = m->lapic_nmis_dropped = 0;
	m->unknown_entries = 0;
}

int acpi_madt_parse(const uint8_t *table, size_t len, struct acpi_madt *out)
{
	if (len < ACPI_MADT_FIXED_LEN)
		return CAPOS_ERR_ACPI_TRUNCATED;
	if (!sig_eq(table, "APIC", 4))
		return CAPOS_ERR_ACPI_SIGNATURE;
	madt_reset(out, rd32(table + MADT_LAPIC_BASE), rd32(table + MADT_FLAGS));

	/* Invariant: off <= len, and every step advances off by at least 2. */
	size_t off = ACPI_MADT_FIXED_LEN;
	while (off < len) {
		if (len - off < 2)
			return CAPOS_ERR_ACPI_TRUNCATED;
		const uint8_t *e = table + off;
		uint8_t type = e[0], elen = e[1];
		if (elen < 2)
			return CAPOS_ERR_ACPI_MALFORMED;
		if (elen > len - off)
			return CAPOS_ERR_ACPI_TRUNCATED;
		if (type < sizeof(madt_min_len) && elen < madt_min_len[type])
			return CAPOS_ERR_ACPI_MALFORMED;
		int err = madt_entry(out, e);
		if (err != CAPOS_OK)
			return err;
		off += elen;
	}
	/* The CPU running this is in the list, so an empty list is broken firmware. */
	if (out->lapic_phys == 0 || out->cpu_count == 0)
		return CAPOS_ERR_ACPI_MALFORMED;
	return CAPOS_OK;
}

int acpi_hpet_parse(const uint8_t *table, size_t len, struct acpi_hpet *out)
{
	if (len < ACPI_HPET_LEN)
		return CAPOS_ERR_ACPI_TRUNCATED;
	if (!sig_eq(table, "HPET", 4))
		return CAPOS_ERR_ACPI_SIGNATURE;
	if (table[HPET_GAS_SPACE] != 0)
		return CAPOS_ERR_ACPI_UNSUPPORTED_GAS;

	uint32_t id = rd32(table + HPET_BLOCK_ID);
	*out = (struct acpi_hpet){
		.phys = rd64(table + HPET_GAS_ADDR),
		.hpet_number = table[HPET_NUMBER],
		.min_tick = rd16(table + HPET_MIN_TICK),
		.comparators = (uint8_t)(((id >> 8) & 0x1f) + 1),
		.counter_64bit = (id >> 13) & 1,
		.vendor_id = (uint16_t)(id >> 16),
	};
	if (out->phys == 0)
		return CAPOS_ERR_ACPI_MALFORMED;
	return CAPOS_OK;
}

int acpi_madt_load(const struct acpi *acpi, struct acpi_madt *out)
{
	const uint8_t *t;
	struct acpi_sdt_header hdr;
	int err = acpi_find_table(acpi, "APIC", 0, &t, &hdr);
	if (err != CAPOS_OK)
		return err;
	return acpi_madt_parse(t, hdr.length, out);
}

int acpi_hpet_load(const struct acpi *acpi, struct acpi_hpet *out)
{
	const uint8_t *t;
	struct acpi_sdt_header hdr;
	int err = acpi_find_table(acpi, "HPET", 0, &t, &hdr);
	if (err != CAPOS_OK)
		return err;
	return acpi_hpet_parse(t, hdr.length, out);
}
