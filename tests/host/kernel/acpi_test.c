/*
 * Host tests of the ACPI parser (kernel/acpi/acpi.c). A small fake physical memory
 * (`phys_mem`, based at FAKE_BASE) holds hand-built tables; the map callback refuses
 * anything outside it, which is how "pointing outside" cases are produced. Each
 * positive case has hostile twins asserting the exact error code.
 */
#include "test.h"

#include <capos/error.h>
#include <kernel/acpi.h>

#include <stdlib.h>
#include <unistd.h>

/* Tests that would spin forever if the parser's progress checks were removed arm a
 * watchdog: SIGALRM's default action kills the suite, which tests/run.py counts as a
 * failure, in seconds instead of at the driver's suite timeout. */
#define HANG_GUARD_S 10

#define FAKE_BASE 0x100000u
#define FAKE_SIZE 0x20000u

static uint8_t phys_mem[FAKE_SIZE];

static const void *fake_map(void *ctx, uint64_t phys, size_t len)
{
	(void)ctx;
	if (phys < FAKE_BASE || len > FAKE_SIZE || phys - FAKE_BASE > FAKE_SIZE - len)
		return NULL;
	return phys_mem + (phys - FAKE_BASE);
}

static uint8_t *at(uint64_t phys)
{
	return phys_mem + (phys - FAKE_BASE);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

/* Set byte `sum_off` so that bytes [0, len) sum to zero. */
static void fix_sum(uint8_t *p, size_t len, size_t sum_off)
{
	uint8_t s = 0;
	p[sum_off] = 0;
	for (size_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	p[sum_off] = (uint8_t)-s;
}

/* Write an SDT at `phys`: header with `sig` and `len`, body left as is, checksum fixed. */
static void put_sdt(uint64_t phys, const char *sig, uint32_t len)
{
	uint8_t *t = at(phys);
	memcpy(t, sig, 4);
	wr32(t + 4, len);
	t[8] = 1;
	memcpy(t + 10, "CAPOST", 6);
	fix_sum(t, len, 9);
}

/* Layout of the fake firmware. */
#define RSDT_PHYS 0x101000u
#define XSDT_PHYS 0x102000u
#define MADT_PHYS 0x103000u
#define HPET_PHYS 0x104000u
#define FACP_PHYS 0x105000u
#define MADT2_PHYS 0x106000u
#define BIG_PHYS 0x110000u

static uint8_t rsdp[36];

static void make_rsdp(uint8_t revision, uint32_t rsdt, uint64_t xsdt)
{
	memset(rsdp, 0, sizeof(rsdp));
	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, "CAPOSF", 6);
	rsdp[15] = revision;
	wr32(rsdp + 16, rsdt);
	wr32(rsdp + 20, 36);
	wr64(rsdp + 24, xsdt);
	fix_sum(rsdp, 20, 8);
	fix_sum(rsdp, 36, 32);
}

static void make_root(uint64_t phys, bool xsdt, const uint64_t *entries, unsigned n)
{
	uint8_t *t = at(phys);
	unsigned esz = xsdt ? 8 : 4;
	for (unsigned i = 0; i < n; i++) {
		if (xsdt)
			wr64(t + 36 + i * esz, entries[i]);
		else
			wr32(t + 36 + i * esz, (uint32_t)entries[i]);
	}
	put_sdt(phys, xsdt ? "XSDT" : "RSDT", 36 + n * esz);
}

/* A MADT being assembled at `phys`; entries appended, then finished. */
struct madt_builder {
	uint64_t phys;
	uint32_t len;
};

static struct madt_builder madt_begin(uint64_t phys, uint32_t lapic)
{
	uint8_t *t = at(phys);
	memset(t, 0, 0x1000);
	wr32(t + 36, lapic);
	wr32(t + 40, 1);
	return (struct madt_builder){ phys, 44 };
}

static void madt_raw(struct madt_builder *b, const uint8_t *e, uint8_t len)
{
	memcpy(at(b->phys) + b->len, e, len);
	b->len += len;
}

static void madt_lapic(struct madt_builder *b, uint8_t uid, uint8_t id, uint32_t flags)
{
	uint8_t e[8] = { 0, 8, uid, id };
	wr32(e + 4, flags);
	madt_raw(b, e, 8);
}

static void madt_x2apic(struct madt_builder *b, uint32_t id, uint32_t uid, uint32_t flags)
{
	uint8_t e[16] = { 9, 16 };
	wr32(e + 4, id);
	wr32(e + 8, flags);
	wr32(e + 12, uid);
	madt_raw(b, e, 16);
}

static void madt_ioapic(struct madt_builder *b, uint8_t id, uint32_t addr, uint32_t gsi)
{
	uint8_t e[12] = { 1, 12, id };
	wr32(e + 4, addr);
	wr32(e + 8, gsi);
	madt_raw(b, e, 12);
}

static void madt_override(struct madt_builder *b, uint8_t src, uint32_t gsi, uint16_t fl)
{
	uint8_t e[10] = { 2, 10, 0, src };
	wr32(e + 4, gsi);
	wr16(e + 8, fl);
	madt_raw(b, e, 10);
}

static void madt_end(struct madt_builder *b)
{
	put_sdt(b->phys, "APIC", b->len);
}

static void make_hpet(uint64_t phys, uint8_t space, uint64_t base)
{
	uint8_t *t = at(phys);
	memset(t, 0, 56);
	wr32(t + 36, 0x8086a201u); /* vendor 8086, 64-bit, 3 comparators, rev 1 */
	t[40] = space;
	t[41] = 64;
	wr64(t + 44, base);
	t[52] = 0;
	wr16(t + 53, 128);
	put_sdt(phys, "HPET", 56);
}

/* QEMU-like -smp 2 firmware: RSDP v2 -> XSDT (and RSDT) -> FACP, APIC, HPET. */
static struct madt_builder make_qemu_madt(uint64_t phys)
{
	struct madt_builder b = madt_begin(phys, 0xfee00000u);
	madt_lapic(&b, 0, 0, ACPI_MADT_CPU_ENABLED);
	madt_lapic(&b, 1, 1, ACPI_MADT_CPU_ENABLED);
	madt_ioapic(&b, 0, 0xfec00000u, 0);
	madt_override(&b, 0, 2, 0);
	madt_override(&b, 5, 5, 0xd);
	madt_override(&b, 9, 9, 0xd);
	madt_override(&b, 10, 10, 0xd);
	madt_override(&b, 11, 11, 0xd);
	uint8_t nmi[6] = { 4, 6, 0xff, 0, 0, 1 };
	madt_raw(&b, nmi, 6);
	madt_end(&b);
	return b;
}

static void make_firmware(void)
{
	memset(phys_mem, 0, sizeof(phys_mem));
	put_sdt(FACP_PHYS, "FACP", 116);
	make_qemu_madt(MADT_PHYS);
	make_hpet(HPET_PHYS, 0, 0xfed00000u);
	uint64_t entries[] = { FACP_PHYS, MADT_PHYS, HPET_PHYS };
	make_root(RSDT_PHYS, false, entries, 3);
	make_root(XSDT_PHYS, true, entries, 3);
	make_rsdp(2, RSDT_PHYS, XSDT_PHYS);
}

static int init_acpi(struct acpi *a)
{
	return acpi_init(a, rsdp, sizeof(rsdp), fake_map, NULL);
}

/* ---- RSDP ---- */

TEST(rsdp_v1_valid)
{
	struct acpi_rsdp r;
	make_rsdp(0, RSDT_PHYS, 0);
	CHECK_EQ(acpi_rsdp_parse(rsdp, 20, &r), CAPOS_OK);
	CHECK_EQ(r.revision, 0);
	CHECK_UEQ(r.rsdt_phys, RSDT_PHYS);
	CHECK_UEQ(r.xsdt_phys, 0);
	CHECK_EQ(r.length, 20);
	CHECK_MEMEQ(r.oem_id, "CAPOSF", 6);
}

TEST(rsdp_v2_valid)
{
	struct acpi_rsdp r;
	make_rsdp(2, RSDT_PHYS, XSDT_PHYS);
	CHECK_EQ(acpi_rsdp_parse(rsdp, 36, &r), CAPOS_OK);
	CHECK_EQ(r.revision, 2);
	CHECK_UEQ(r.xsdt_phys, XSDT_PHYS);
	CHECK_EQ(r.length, 36);
}

TEST(rsdp_future_revision_parsed_as_v2)
{
	struct acpi_rsdp r;
	make_rsdp(3, RSDT_PHYS, XSDT_PHYS);
	CHECK_EQ(acpi_rsdp_parse(rsdp, 36, &r), CAPOS_OK);
	CHECK_UEQ(r.xsdt_phys, XSDT_PHYS);
}

TEST(rsdp_bad_signature)
{
	struct acpi_rsdp r;
	make_rsdp(0, RSDT_PHYS, 0);
	rsdp[0] = 'X';
	fix_sum(rsdp, 20, 8);
	CHECK_EQ(acpi_rsdp_parse(rsdp, 20, &r), CAPOS_ERR_ACPI_SIGNATURE);
}

TEST(rsdp_bad_checksum)
{
	struct acpi_rsdp r;
	make_rsdp(0, RSDT_PHYS, 0);
	rsdp[8]++;
	CHECK_EQ(acpi_rsdp_parse(rsdp, 20, &r), CAPOS_ERR_ACPI_CHECKSUM);
}

TEST(rsdp_bad_extended_checksum)
{
	struct acpi_rsdp r;
	make_rsdp(2, RSDT_PHYS, XSDT_PHYS);
	rsdp[24] ^= 0x10; /* XSDT address changed, v1 checksum still fine */
	CHECK_EQ(acpi_rsdp_parse(rsdp, 36, &r), CAPOS_ERR_ACPI_CHECKSUM);
}

TEST(rsdp_revision_1_rejected)
{
	struct acpi_rsdp r;
	make_rsdp(1, RSDT_PHYS, XSDT_PHYS);
	CHECK_EQ(acpi_rsdp_parse(rsdp, 36, &r), CAPOS_ERR_ACPI_REVISION);
}

TEST(rsdp_short_buffer)
{
	struct acpi_rsdp r;
	make_rsdp(0, RSDT_PHYS, 0);
	CHECK_EQ(acpi_rsdp_parse(rsdp, 19, &r), CAPOS_ERR_ACPI_TRUNCATED);
	make_rsdp(2, RSDT_PHYS, XSDT_PHYS);
	/* a v2 RSDP delivered as a 20-byte (v1-sized) copy */
	CHECK_EQ(acpi_rsdp_parse(rsdp, 20, &r), CAPOS_ERR_ACPI_TRUNCATED);
}

TEST(rsdp_v2_length_field_too_small_or_large)
{
	struct acpi_rsdp r;
	make_rsdp(2, RSDT_PHYS, XSDT_PHYS);
	wr32(rsdp + 20, 20);
	fix_sum(rsdp, 20, 8);
	fix_sum(rsdp, 36, 32);
	CHECK_EQ(acpi_rsdp_parse(rsdp, 36, &r), CAPOS_ERR_ACPI_TRUNCATED);
	wr32(rsdp + 20, 37); /* claims more than the caller's copy */
	fix_sum(rsdp, 20, 8);
	fix_sum(rsdp, 36, 32);
	CHECK_EQ(acpi_rsdp_parse(rsdp, 36, &r), CAPOS_ERR_ACPI_TRUNCATED);
}

TEST(rsdp_scan_finds_valid_candidate)
{
	static uint8_t bios[0x20000];
	size_t off = 0;
	memset(bios, 0, sizeof(bios));
	make_rsdp(0, RSDT_PHYS, 0);
	rsdp[8]++; /* decoy with a bad checksum first */
	memcpy(bios + 0x100, rsdp, 20);
	make_rsdp(1, RSDT_PHYS, 0); /* decoy with an undefined revision */
	memcpy(bios + 0x200, rsdp, 36);
	make_rsdp(0, RSDT_PHYS, 0);
	memcpy(bios + 0x1238, rsdp, 20); /* not 16-byte aligned: ignored */
	memcpy(bios + 0x5a40, rsdp, 20);
	CHECK_EQ(acpi_rsdp_scan(bios, sizeof(bios), &off), CAPOS_OK);
	CHECK_UEQ(off, 0x5a40);
}

TEST(rsdp_scan_hostile)
{
	static uint8_t bios[0x1000];
	size_t off = 0;
	memset(bios, 0, sizeof(bios));
	CHECK_EQ(acpi_rsdp_scan(bios, sizeof(bios), &off), CAPOS_ERR_ACPI_NO_TABLE);
	CHECK_EQ(acpi_rsdp_scan(bios, 0, &off), CAPOS_ERR_ACPI_NO_TABLE);
	CHECK_EQ(acpi_rsdp_scan(bios, 19, &off), CAPOS_ERR_ACPI_NO_TABLE);
	/* a v2 RSDP whose extended part would run past the end of the area */
	make_rsdp(2, RSDT_PHYS, XSDT_PHYS);
	memcpy(bios + sizeof(bios) - 32, rsdp, 32);
	CHECK_EQ(acpi_rsdp_scan(bios, sizeof(bios), &off), CAPOS_ERR_ACPI_NO_TABLE);
	/* the same one fully inside is found */
	memcpy(bios + 0x40, rsdp, 36);
	CHECK_EQ(acpi_rsdp_scan(bios, sizeof(bios), &off), CAPOS_OK);
	CHECK_UEQ(off, 0x40);
}

/* ---- root table ---- */

TEST(init_prefers_xsdt)
{
	struct acpi a;
	make_firmware();
	CHECK_EQ(init_acpi(&a), CAPOS_OK);
	CHECK(a.use_xsdt);
	CHECK_UEQ(a.root_phys, XSDT_PHYS);
	CHECK_EQ(a.entry_count, 3);
	CHECK_UEQ(acpi_root_entry(&a, 0), FACP_PHYS);
	CHECK_UEQ(acpi_root_entry(&a, 2), HPET_PHYS);
}

TEST(init_v1_uses_rsdt)
{
	struct acpi a;
	make_firmware();
	make_rsdp(0, RSDT_PHYS, 0);
	CHECK_EQ(acpi_init(&a, rsdp, 20, fake_map, NULL), CAPOS_OK);
	CHECK(!a.use_xsdt);
	CHECK_UEQ(a.root_phys, RSDT_PHYS);
	CHECK_EQ(a.entry_count, 3);
	CHECK_UEQ(acpi_root_entry(&a, 1), MADT_PHYS);
}

TEST(init_v2_without_xsdt_uses_rsdt)
{
	struct acpi a;
	make_firmware();
	make_rsdp(2, RSDT_PHYS, 0);
	CHECK_EQ(init_acpi(&a), CAPOS_OK);
	CHECK(!a.use_xsdt);
}

TEST(init_xsdt_outside_memory)
{
	struct acpi a;
	make_firmware();
	make_rsdp(2, RSDT_PHYS, 0xdead0000000ull);
	CHECK_EQ(init_acpi(&a), CAPOS_ERR_ACPI_UNMAPPED);
	/* header inside, declared length running off the end of memory */
	make_rsdp(2, RSDT_PHYS, FAKE_BASE + FAKE_SIZE - 36);
	put_sdt(FAKE_BASE + FAKE_SIZE - 36, "XSDT", 36);
	wr32(at(FAKE_BASE + FAKE_SIZE - 36) + 4, 44);
	CHECK_EQ(init_acpi(&a), CAPOS_ERR_ACPI_UNMAPPED);
}

TEST(init_xsdt_bad_checksum)
{
	struct acpi a;
	make_firmware();
	at(XSDT_PHYS)[40] ^= 1;
	CHECK_EQ(init_acpi(&a), CAPOS_ERR_ACPI_CHECKSUM);
}

TEST(init_root_wrong_signature)
{
	struct acpi a;
	make_firmware();
	make_rsdp(2, RSDT_PHYS, RSDT_PHYS); /* "XSDT" pointer at the RSDT */
	CHECK_EQ(init_acpi(&a), CAPOS_ERR_ACPI_SIGNATURE);
}

TEST(init_root_length_below_header)
{
	struct acpi a;
	make_firmware();
	put_sdt(XSDT_PHYS, "XSDT", 35);
	CHECK_EQ(init_acpi(&a), CAPOS_ERR_ACPI_TRUNCATED);
	wr32(at(XSDT_PHYS) + 4, 0);
	CHECK_EQ(init_acpi(&a), CAPOS_ERR_ACPI_TRUNCATED);
}

TEST(init_root_partial_entry)
{
	struct acpi a;
	make_firmware();
	put_sdt(XSDT_PHYS, "XSDT", 36 + 8 + 4); /* one and a half 64-bit entries */
	CHECK_EQ(init_acpi(&a), CAPOS_ERR_ACPI_MALFORMED);
}

TEST(init_empty_root_has_no_tables)
{
	struct acpi a;
	const uint8_t *t;
	make_firmware();
	put_sdt(XSDT_PHYS, "XSDT", 36);
	CHECK_EQ(init_acpi(&a), CAPOS_OK);
	CHECK_EQ(a.entry_count, 0);
	CHECK_EQ(acpi_find_table(&a, "APIC", 0, &t, NULL), CAPOS_ERR_ACPI_NO_TABLE);
}

/* ---- table lookup ---- */

TEST(find_table_by_signature)
{
	struct acpi a;
	const uint8_t *t;
	struct acpi_sdt_header h;
	make_firmware();
	CHECK_EQ(init_acpi(&a), CAPOS_OK);
	CHECK_EQ(acpi_find_table(&a, "HPET", 0, &t, &h), CAPOS_OK);
	CHECK(t == at(HPET_PHYS));
	CHECK_MEMEQ(h.signature, "HPET", 4);
	CHECK_EQ(h.length, 56);
	CHECK_UEQ(h.phys, HPET_PHYS);
	CHECK_EQ(acpi_find_table(&a, "HPET", 1, &t, &h), CAPOS_ERR_ACPI_NO_TABLE);
	CHECK_EQ(acpi_find_table(&a, "SRAT", 0, &t, &h), CAPOS_ERR_ACPI_NO_TABLE);
}

TEST(find_table_second_instance)
{
	struct acpi a;
	const uint8_t *t;
	make_firmware();
	make_qemu_madt(MADT2_PHYS);
	uint64_t entries[] = { FACP_PHYS, MADT_PHYS, HPET_PHYS, MADT2_PHYS };
	make_root(XSDT_PHYS, true, entries, 4);
	CHECK_EQ(init_acpi(&a), CAPOS_OK);
	CHECK_EQ(acpi_find_table(&a, "APIC", 1, &t, NULL), CAPOS_OK);
	CHECK(t == at(MADT2_PHYS));
}

TEST(find_table_bad_checksum)
{
	struct acpi a;
	const uint8_t *t;
	make_firmware();
	at(MADT_PHYS)[50] ^= 0x40;
	CHECK_EQ(init_acpi(&a), CAPOS_OK);
	CHECK_EQ(acpi_find_table(&a, "APIC", 0, &t, NULL), CAPOS_ERR_ACPI_CHECKSUM);
	/* Only the matching table is checksummed: the HPET is still found. */
	CHECK_EQ(acpi_find_table(&a, "HPET", 0, &t, NULL), CAPOS_OK);
}

TEST(find_table_length_below_header)
{
	struct acpi a;
	const uint8_t *t;
	make_firmware();
	put_sdt(HPET_PHYS, "HPET", 20);
	CHECK_EQ(init_acpi(&a), CAPOS_OK);
	CHECK_EQ(acpi_find_table(&a, "HPET", 0, &t, NULL), CAPOS_ERR_ACPI_TRUNCATED);
}

TEST(find_table_entry_outside_memory)
{
	struct acpi a;
	const uint8_t *t;
	make_firmware();
	uint64_t entries[] = { FACP_PHYS, 0xfffffffffffff000ull, MADT_PHYS };
	make_root(XSDT_PHYS, true, entries, 3);
	CHECK_EQ(init_acpi(&a), CAPOS_OK);
	CHECK_EQ(acpi_find_table(&a, "FACP", 0, &t, NULL), CAPOS_OK);
	CHECK_EQ(acpi_find_table(&a, "APIC", 0, &t, NULL), CAPOS_ERR_ACPI_UNMAPPED);
	uint64_t zero[] = { 0 };
	make_root(XSDT_PHYS, true, zero, 1);
	CHECK_EQ(init_acpi(&a), CAPOS_OK);
	CHECK_EQ(acpi_find_table(&a, "APIC", 0, &t, NULL), CAPOS_ERR_ACPI_UNMAPPED);
}

TEST(find_table_length_past_memory)
{
	struct acpi a;
	const uint8_t *t;
	make_firmware();
	put_sdt(HPET_PHYS, "HPET", 56);
	wr32(at(HPET_PHYS) + 4, 0xffffffffu);
	CHECK_EQ(init_acpi(&a), CAPOS_OK);
	CHECK_EQ(acpi_find_table(&a, "HPET", 0, &t, NULL), CAPOS_ERR_ACPI_UNMAPPED);
}

/* ---- MADT ---- */

TEST(madt_qemu_smp2)
{
	struct acpi a;
	static struct acpi_madt m;
	make_firmware();
	CHECK_EQ(init_acpi(&a), CAPOS_OK);
	CHECK_EQ(acpi_madt_load(&a, &m), CAPOS_OK);
	CHECK_UEQ(m.lapic_phys, 0xfee00000u);
	CHECK(!m.lapic_overridden);
	CHECK_EQ(m.flags, 1);
	CHECK_EQ(m.cpu_count, 2);
	CHECK_EQ(m.cpus_enabled, 2);
	CHECK_EQ(m.cpus[0].apic_id, 0);
	CHECK_EQ(m.cpus[1].apic_id, 1);
	CHECK_EQ(m.cpus[1].uid, 1);
	CHECK(!m.cpus[1].x2apic);
	CHECK_EQ(m.ioapic_count, 1);
	CHECK_UEQ(m.ioapics[0].phys, 0xfec00000u);
	CHECK_EQ(m.ioapics[0].gsi_base, 0);
	CHECK_EQ(m.override_count, 5);
	CHECK_EQ(m.overrides[0].source, 0);
	CHECK_EQ(m.overrides[0].gsi, 2);
	CHECK_EQ(m.overrides[1].flags, ACPI_MPS_POLARITY_HIGH | ACPI_MPS_TRIGGER_LEVEL);
	CHECK_EQ(m.lapic_nmi_count, 1);
	CHECK_UEQ(m.lapic_nmis[0].uid, ACPI_MADT_ALL_CPUS_UID);
	CHECK_EQ(m.lapic_nmis[0].lint, 1);
	CHECK_EQ(m.cpus_dropped + m.overrides_dropped + m.unknown_entries, 0);
}

TEST(madt_x2apic_nmi_source_and_address_override)
{
	static struct acpi_madt m;
	make_firmware();
	struct madt_builder b = madt_begin(MADT_PHYS, 0xfee00000u);
	madt_lapic(&b, 0, 0, ACPI_MADT_CPU_ENABLED);
	madt_x2apic(&b, 0x1234, 77, ACPI_MADT_CPU_ONLINE_CAPABLE);
	uint8_t nmisrc[8] = { 3, 8, 0x5, 0, 23, 0, 0, 0 };
	madt_raw(&b, nmisrc, 8);
	uint8_t x2nmi[12] = { 10, 12, 0x1, 0, 77, 0, 0, 0, 0 };
	madt_raw(&b, x2nmi, 12);
	uint8_t addr[12] = { 5, 12 };
	wr64(addr + 4, 0x1fee00000ull);
	madt_raw(&b, addr, 12);
	uint8_t unknown[7] = { 0x7f, 7 };
	madt_raw(&b, unknown, 7);
	madt_end(&b);
	CHECK_EQ(acpi_madt_parse(at(MADT_PHYS), b.len, &m), CAPOS_OK);
	CHECK_EQ(m.cpu_count, 2);
	CHECK_EQ(m.cpus_enabled, 1);
	CHECK(m.cpus[1].x2apic);
	CHECK_UEQ(m.cpus[1].apic_id, 0x1234);
	CHECK_EQ(m.cpus[1].uid, 77);
	CHECK_EQ(m.cpus[1].flags, ACPI_MADT_CPU_ONLINE_CAPABLE);
	CHECK_EQ(m.nmi_source_count, 1);
	CHECK_EQ(m.nmi_sources[0].gsi, 23);
	CHECK_EQ(m.nmi_sources[0].flags, 5);
	CHECK_EQ(m.lapic_nmi_count, 1);
	CHECK_EQ(m.lapic_nmis[0].uid, 77);
	CHECK_EQ(m.lapic_nmis[0].lint, 0);
	CHECK(m.lapic_overridden);
	CHECK_UEQ(m.lapic_phys, 0x1fee00000ull);
	CHECK_EQ(m.unknown_entries, 1);
}

TEST(madt_unusable_cpu_counted_not_stored)
{
	static struct acpi_madt m;
	struct madt_builder b = madt_begin(MADT_PHYS, 0xfee00000u);
	madt_lapic(&b, 0, 0, ACPI_MADT_CPU_ENABLED);
	madt_lapic(&b, 1, 0, 0); /* same ID but unusable: not a duplicate */
	madt_lapic(&b, 2, 2, 0);
	madt_end(&b);
	CHECK_EQ(acpi_madt_parse(at(MADT_PHYS), b.len, &m), CAPOS_OK);
	CHECK_EQ(m.cpu_count, 1);
	CHECK_EQ(m.cpus_unusable, 2);
}

TEST(madt_zero_length_entry)
{
	static struct acpi_madt m;
	alarm(HANG_GUARD_S);
	struct madt_builder b = madt_begin(MADT_PHYS, 0xfee00000u);
	madt_lapic(&b, 0, 0, ACPI_MADT_CPU_ENABLED);
	uint8_t zero[8] = { 0, 0 };
	madt_raw(&b, zero, 8);
	madt_end(&b);
	CHECK_EQ(acpi_madt_parse(at(MADT_PHYS), b.len, &m), CAPOS_ERR_ACPI_MALFORMED);
	at(MADT_PHYS)[44 + 8 + 1] = 1; /* length 1: also cannot advance */
	CHECK_EQ(acpi_madt_parse(at(MADT_PHYS), b.len, &m), CAPOS_ERR_ACPI_MALFORMED);
	/* unknown type (no per-type minimum to fall back on), length 0 */
	at(MADT_PHYS)[44 + 8] = 0x7f;
	at(MADT_PHYS)[44 + 8 + 1] = 0;
	CHECK_EQ(acpi_madt_parse(at(MADT_PHYS), b.len, &m), CAPOS_ERR_ACPI_MALFORMED);
	alarm(0);
}

TEST(madt_entry_shorter_than_its_type)
{
	static struct acpi_madt m;
	struct madt_builder b = madt_begin(MADT_PHYS, 0xfee00000u);
	uint8_t shortcpu[6] = { 0, 6, 0, 0, 1, 0 };
	madt_raw(&b, shortcpu, 6);
	madt_end(&b);
	CHECK_EQ(acpi_madt_parse(at(MADT_PHYS), b.len, &m), CAPOS_ERR_ACPI_MALFORMED);
	b = madt_begin(MADT_PHYS, 0xfee00000u);
	uint8_t shortio[8] = { 1, 8 };
	madt_raw(&b, shortio, 8);
	madt_end(&b);
	CHECK_EQ(acpi_madt_parse(at(MADT_PHYS), b.len, &m), CAPOS_ERR_ACPI_MALFORMED);
}

TEST(madt_entry_runs_past_end)
{
	static struct acpi_madt m;
	struct madt_builder b = madt_begin(MADT_PHYS, 0xfee00000u);
	madt_lapic(&b, 0, 0, ACPI_MADT_CPU_ENABLED);
	madt_ioapic(&b, 0, 0xfec00000u, 0);
	madt_end(&b);
	/* the table claims 4 bytes less than the IOAPIC entry needs */
	CHECK_EQ(acpi_madt_parse(at(MADT_PHYS), b.len - 4, &m), CAPOS_ERR_ACPI_TRUNCATED);
	/* one stray byte after the last entry: no room for a type/length pair */
	CHECK_EQ(acpi_madt_parse(at(MADT_PHYS), b.len + 1, &m), CAPOS_ERR_ACPI_TRUNCATED);
}

TEST(madt_truncated_table_via_lookup)
{
	struct acpi a;
	static struct acpi_madt m;
	make_firmware();
	struct madt_builder b = make_qemu_madt(MADT_PHYS);
	put_sdt(MADT_PHYS, "APIC", b.len - 3); /* valid checksum, entries cut short */
	CHECK_EQ(init_acpi(&a), CAPOS_OK);
	CHECK_EQ(acpi_madt_load(&a, &m), CAPOS_ERR_ACPI_TRUNCATED);
	put_sdt(MADT_PHYS, "APIC", 40); /* shorter than the fixed MADT part */
	CHECK_EQ(acpi_madt_load(&a, &m), CAPOS_ERR_ACPI_TRUNCATED);
}

TEST(madt_too_many_cpus_truncated_with_count)
{
	static struct acpi_madt m;
	struct madt_builder b = madt_begin(BIG_PHYS, 0xfee00000u);
	for (unsigned i = 0; i < 255; i++)
		madt_lapic(&b, (uint8_t)i, (uint8_t)i, ACPI_MADT_CPU_ENABLED);
	for (unsigned i = 255; i < 300; i++)
		madt_x2apic(&b, i, i, ACPI_MADT_CPU_ENABLED);
	madt_end(&b);
	CHECK_EQ(acpi_madt_parse(at(BIG_PHYS), b.len, &m), CAPOS_OK);
	CHECK_EQ(m.cpu_count, ACPI_MADT_MAX_CPUS);
	CHECK_EQ(m.cpus_enabled, ACPI_MADT_MAX_CPUS);
	CHECK_EQ(m.cpus_dropped, 300 - ACPI_MADT_MAX_CPUS);
	CHECK_EQ(m.cpus[255].apic_id, 255);
}

TEST(madt_too_many_overrides_and_ioapics_truncated)
{
	static struct acpi_madt m;
	struct madt_builder b = madt_begin(BIG_PHYS, 0xfee00000u);
	madt_lapic(&b, 0, 0, ACPI_MADT_CPU_ENABLED);
	for (unsigned i = 0; i < ACPI_MADT_MAX_IOAPICS + 3; i++)
		madt_ioapic(&b, (uint8_t)i, 0xfec00000u + i * 0x1000, i * 24);
	for (unsigned i = 0; i < ACPI_MADT_MAX_OVERRIDES + 2; i++)
		madt_override(&b, (uint8_t)i, i, 0);
	madt_end(&b);
	CHECK_EQ(acpi_madt_parse(at(BIG_PHYS), b.len, &m), CAPOS_OK);
	CHECK_EQ(m.ioapic_count, ACPI_MADT_MAX_IOAPICS);
	CHECK_EQ(m.ioapics_dropped, 3);
	CHECK_EQ(m.override_count, ACPI_MADT_MAX_OVERRIDES);
	CHECK_EQ(m.overrides_dropped, 2);
}

TEST(madt_duplicate_apic_id)
{
	static struct acpi_madt m;
	struct madt_builder b = madt_begin(MADT_PHYS, 0xfee00000u);
	madt_lapic(&b, 0, 3, ACPI_MADT_CPU_ENABLED);
	madt_x2apic(&b, 3, 9, ACPI_MADT_CPU_ENABLED);
	madt_end(&b);
	CHECK_EQ(acpi_madt_parse(at(MADT_PHYS), b.len, &m), CAPOS_ERR_ACPI_MALFORMED);
}

TEST(madt_zero_ioapic_address)
{
	static struct acpi_madt m;
	struct madt_builder b = madt_begin(MADT_PHYS, 0xfee00000u);
	madt_lapic(&b, 0, 0, ACPI_MADT_CPU_ENABLED);
	madt_ioapic(&b, 0, 0, 0);
	madt_end(&b);
	CHECK_EQ(acpi_madt_parse(at(MADT_PHYS), b.len, &m), CAPOS_ERR_ACPI_MALFORMED);
}

TEST(madt_without_usable_cpu)
{
	static struct acpi_madt m;
	struct madt_builder b = madt_begin(MADT_PHYS, 0xfee00000u);
	madt_ioapic(&b, 0, 0xfec00000u, 0);
	madt_end(&b);
	CHECK_EQ(acpi_madt_parse(at(MADT_PHYS), b.len, &m), CAPOS_ERR_ACPI_MALFORMED);
	b = madt_begin(MADT_PHYS, 0xfee00000u);
	madt_lapic(&b, 0, 0, 0); /* listed, but neither enabled nor online-capable */
	madt_end(&b);
	CHECK_EQ(acpi_madt_parse(at(MADT_PHYS), b.len, &m), CAPOS_ERR_ACPI_MALFORMED);
	/* the minimal valid MADT: one enabled CPU */
	b = madt_begin(MADT_PHYS, 0xfee00000u);
	madt_lapic(&b, 0, 0, ACPI_MADT_CPU_ENABLED);
	madt_end(&b);
	CHECK_EQ(acpi_madt_parse(at(MADT_PHYS), b.len, &m), CAPOS_OK);
	CHECK_EQ(m.cpu_count, 1);
	CHECK_EQ(m.ioapic_count, 0);
}

TEST(madt_zero_lapic_address_and_bad_signature)
{
	static struct acpi_madt m;
	struct madt_builder b = madt_begin(MADT_PHYS, 0);
	madt_lapic(&b, 0, 0, ACPI_MADT_CPU_ENABLED);
	madt_end(&b);
	CHECK_EQ(acpi_madt_parse(at(MADT_PHYS), b.len, &m), CAPOS_ERR_ACPI_MALFORMED);
	put_sdt(MADT_PHYS, "APIX", b.len);
	CHECK_EQ(acpi_madt_parse(at(MADT_PHYS), b.len, &m), CAPOS_ERR_ACPI_SIGNATURE);
}

/* Random garbage entries: the parser must return (any status) without reading past
 * the table; ASan turns an overread into a failure, the bounded loop rules out a hang. */
TEST(madt_random_entries_terminate)
{
	static struct acpi_madt m;
	alarm(HANG_GUARD_S);
	srand(12345);
	for (int round = 0; round < 2000; round++) {
		size_t len = 44 + (size_t)(rand() % 200);
		uint8_t *t = malloc(len);
		CHECK(t != NULL);
		for (size_t i = 0; i < len; i++)
			t[i] = (uint8_t)rand();
		memcpy(t, "APIC", 4);
		for (size_t i = 44; i < len; i += 7)
			t[i] = (uint8_t)(rand() % 12); /* mostly known types */
		int err = acpi_madt_parse(t, len, &m);
		free(t);
		CHECK(err == CAPOS_OK || err == CAPOS_ERR_ACPI_MALFORMED ||
		      err == CAPOS_ERR_ACPI_TRUNCATED);
	}
	alarm(0);
}

/* ---- HPET ---- */

TEST(hpet_valid)
{
	struct acpi a;
	struct acpi_hpet h;
	make_firmware();
	CHECK_EQ(init_acpi(&a), CAPOS_OK);
	CHECK_EQ(acpi_hpet_load(&a, &h), CAPOS_OK);
	CHECK_UEQ(h.phys, 0xfed00000u);
	CHECK_EQ(h.comparators, 3);
	CHECK(h.counter_64bit);
	CHECK_UEQ(h.vendor_id, 0x8086);
	CHECK_EQ(h.min_tick, 128);
}

TEST(hpet_absent)
{
	struct acpi a;
	struct acpi_hpet h;
	make_firmware();
	uint64_t entries[] = { FACP_PHYS, MADT_PHYS };
	make_root(XSDT_PHYS, true, entries, 2);
	CHECK_EQ(init_acpi(&a), CAPOS_OK);
	CHECK_EQ(acpi_hpet_load(&a, &h), CAPOS_ERR_ACPI_NO_TABLE);
}

TEST(hpet_hostile)
{
	struct acpi_hpet h;
	make_firmware();
	CHECK_EQ(acpi_hpet_parse(at(HPET_PHYS), 55, &h), CAPOS_ERR_ACPI_TRUNCATED);
	make_hpet(HPET_PHYS, 1, 0xfed00000u); /* system I/O space */
	CHECK_EQ(acpi_hpet_parse(at(HPET_PHYS), 56, &h), CAPOS_ERR_ACPI_UNSUPPORTED_GAS);
	make_hpet(HPET_PHYS, 0, 0);
	CHECK_EQ(acpi_hpet_parse(at(HPET_PHYS), 56, &h), CAPOS_ERR_ACPI_MALFORMED);
	CHECK_EQ(acpi_hpet_parse(at(MADT_PHYS), 56, &h), CAPOS_ERR_ACPI_SIGNATURE);
}
