/*
 * ACPI table parser: RSDP validation, RSDT/XSDT walk, checksummed table lookup, and
 * decoders for the MADT (CPUs, IOAPICs, interrupt overrides, NMIs) and the HPET table.
 *
 * Pure code: it never touches physical memory itself. Every table is reached through
 * a caller-provided map callback (`acpi_map_fn`) that turns a physical range into a
 * readable pointer, or refuses. The kernel passes a direct-map callback; host tests
 * pass in-memory blobs. Nothing here allocates; results land in caller-owned,
 * fixed-size structs.
 *
 * Bounds policy (decided once, applied everywhere): firmware lists longer than the
 * fixed arrays below are truncated, and the number of entries that did not fit is
 * reported in the matching `*_dropped` field, so the kernel can boot on what fits and
 * say how much it ignored. Everything else that is malformed (bad checksum, lengths
 * that disagree, entries running past the table end, zero-length entries, duplicate
 * APIC IDs) is a typed error and the result must not be used.
 */
#ifndef KERNEL_ACPI_H
#define KERNEL_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fixed sizes of on-disk ACPI structures (ACPI 6.5 §5.2). */
#define ACPI_RSDP_V1_LEN 20u	/* revision 0 RSDP */
#define ACPI_RSDP_V2_LEN 36u	/* revision >= 2 RSDP (extended fields) */
#define ACPI_SDT_HEADER_LEN 36u /* common header of every system description table */
#define ACPI_MADT_FIXED_LEN 44u /* header + local APIC address + flags */
#define ACPI_HPET_LEN 56u	/* HPET description table */

/* Bounds of struct acpi_madt (see the bounds policy above). 256 covers every xAPIC ID. */
#define ACPI_MADT_MAX_CPUS 256
#define ACPI_MADT_MAX_IOAPICS 16
#define ACPI_MADT_MAX_OVERRIDES 48
#define ACPI_MADT_MAX_NMI_SOURCES 16
#define ACPI_MADT_MAX_LAPIC_NMIS 32

/* MADT processor flags (local APIC and local x2APIC entries). */
#define ACPI_MADT_CPU_ENABLED 0x1u	  /* usable now */
#define ACPI_MADT_CPU_ONLINE_CAPABLE 0x2u /* may be brought online later (ACPI 6.3+) */

/* MPS INTI flags (overrides and NMI entries): polarity bits 0-1, trigger bits 2-3. */
#define ACPI_MPS_POLARITY_MASK 0x3u
#define ACPI_MPS_POLARITY_HIGH 0x1u
#define ACPI_MPS_POLARITY_LOW 0x3u
#define ACPI_MPS_TRIGGER_MASK 0xcu
#define ACPI_MPS_TRIGGER_EDGE 0x4u
#define ACPI_MPS_TRIGGER_LEVEL 0xcu

/* ACPI processor UID meaning "all processors" in a (short) local APIC NMI entry. */
#define ACPI_MADT_ALL_CPUS_UID 0xffffffffu

/*
 * Map `len` bytes at physical address `phys` for reading and return a pointer to the
 * first byte, or NULL if the range is not reachable (outside memory the caller is
 * willing to expose). The mapping must stay valid as long as the parser's results are
 * used. `ctx` is passed through unchanged.
 */
typedef const void *acpi_map_fn(void *ctx, uint64_t phys, size_t len);

/* Common header of every system description table (ACPI 6.5 §5.2.6), decoded. */
struct acpi_sdt_header {
	char signature[4]; /* e.g. "APIC", not NUL-terminated */
	uint32_t length;   /* whole table including this header */
	uint8_t revision;
	char oem_id[6];
	uint64_t phys; /* physical address the table was found at */
};

/* A validated RSDP. */
struct acpi_rsdp {
	uint8_t revision; /* 0 (ACPI 1.0) or >= 2 */
	char oem_id[6];
	uint32_t rsdt_phys; /* always present */
	uint64_t xsdt_phys; /* 0 if revision 0 */
	uint32_t length;    /* 20 for revision 0, else the RSDP's own length field */
};

/* Parser state: the validated root table and how to reach memory. */
struct acpi {
	acpi_map_fn *map; /* caller's mapping callback */
	void *map_ctx;	  /* passed to map */
	struct acpi_rsdp rsdp;
	bool use_xsdt;	     /* root table is the XSDT (64-bit entries) */
	uint64_t root_phys;  /* physical address of the RSDT or XSDT */
	const uint8_t *root; /* mapped root table, `root_len` bytes, checksum verified */
	uint32_t root_len;
	uint32_t entry_count; /* number of table pointers in the root table */
};

/* One processor from a local APIC (type 0) or local x2APIC (type 9) entry. */
struct acpi_madt_cpu {
	uint32_t apic_id; /* xAPIC ID (0..254) or x2APIC ID */
	uint32_t uid;	  /* ACPI processor UID */
	uint32_t flags;	  /* ACPI_MADT_CPU_* */
	bool x2apic;	  /* came from a local x2APIC entry */
};

struct acpi_madt_ioapic {
	uint8_t id;
	uint32_t phys;	   /* MMIO base of the register window */
	uint32_t gsi_base; /* first global system interrupt it serves */
};

/* Interrupt source override: ISA IRQ `source` is wired to `gsi` with `flags`. */
struct acpi_madt_override {
	uint8_t bus; /* 0 = ISA */
	uint8_t source;
	uint32_t gsi;
	uint16_t flags; /* ACPI_MPS_* */
};

/* NMI source (type 3): a GSI that must be programmed as NMI. */
struct acpi_madt_nmi_source {
	uint32_t gsi;
	uint16_t flags;
};

/* Local APIC NMI (types 4 and 10): which LINT pin of which processor(s) is NMI. */
struct acpi_madt_lapic_nmi {
	uint32_t uid; /* processor UID or ACPI_MADT_ALL_CPUS_UID */
	uint16_t flags;
	uint8_t lint; /* 0 or 1 */
};

/* Decoded MADT. Arrays hold the first N entries; `*_dropped` counts the rest. */
struct acpi_madt {
	uint64_t lapic_phys;   /* local APIC MMIO base (after any type-5 override) */
	uint32_t flags;	       /* bit 0: PC-AT compatible dual 8259 PICs present */
	bool lapic_overridden; /* a type-5 entry replaced the 32-bit address */

	uint32_t cpu_count;	/* usable CPUs stored (enabled or online-capable) */
	uint32_t cpus_enabled;	/* of those, enabled now */
	uint32_t cpus_unusable; /* entries with neither flag: listed, not stored */
	uint32_t cpus_dropped;	/* usable CPUs beyond ACPI_MADT_MAX_CPUS */
	struct acpi_madt_cpu cpus[ACPI_MADT_MAX_CPUS];

	uint32_t ioapic_count;
	uint32_t ioapics_dropped;
	struct acpi_madt_ioapic ioapics[ACPI_MADT_MAX_IOAPICS];

	uint32_t override_count;
	uint32_t overrides_dropped;
	struct acpi_madt_override overrides[ACPI_MADT_MAX_OVERRIDES];

	uint32_t nmi_source_count;
	uint32_t nmi_sources_dropped;
	struct acpi_madt_nmi_source nmi_sources[ACPI_MADT_MAX_NMI_SOURCES];

	uint32_t lapic_nmi_count;
	uint32_t lapic_nmis_dropped;
	struct acpi_madt_lapic_nmi lapic_nmis[ACPI_MADT_MAX_LAPIC_NMIS];

	uint32_t unknown_entries; /* entries of types this parser does not decode */
};

/* Decoded HPET description table. */
struct acpi_hpet {
	uint64_t phys; /* MMIO base of the event timer block */
	uint8_t hpet_number;
	uint16_t min_tick;   /* minimum periodic tick, in counter clocks */
	uint8_t comparators; /* number of comparators (1..32) */
	bool counter_64bit;  /* main counter is 64 bits wide */
	uint16_t vendor_id;  /* PCI vendor ID of the block */
};

/*
 * Validate an RSDP (a copy, e.g. from the Multiboot2 ACPI tag, `len` bytes long) and
 * decode it into `out`. Checks the "RSD PTR " signature, the ACPI 1.0 checksum over the
 * first 20 bytes and, for revision >= 2, that the length field is >= 36 and fits in
 * `len`, and the extended checksum over that length.
 * Errors: CAPOS_ERR_ACPI_TRUNCATED (len or length field too short),
 * CAPOS_ERR_ACPI_SIGNATURE, CAPOS_ERR_ACPI_CHECKSUM, CAPOS_ERR_ACPI_REVISION
 * (revision 1, which no ACPI version defines).
 */
int acpi_rsdp_parse(const void *rsdp, size_t len, struct acpi_rsdp *out);

/*
 * Find a valid RSDP in a legacy BIOS area (`area`, `len` bytes: the first KiB of the
 * EBDA or 0xE0000..0xFFFFF), where it sits on a 16-byte boundary. Candidates whose
 * signature matches but fail acpi_rsdp_parse (checksum, revision, or an extended
 * structure running past the area) are skipped. On success `*offset` is the RSDP's
 * offset in `area`; the RSDP is then acpi_rsdp_parse-valid with `len - *offset` bytes.
 * Errors: CAPOS_ERR_ACPI_NO_TABLE (none found).
 */
int acpi_rsdp_scan(const void *area, size_t len, size_t *offset);

/*
 * Initialise `acpi` from an RSDP copy: validate it, pick the root table (the XSDT when
 * revision >= 2 and its address is non-zero, else the RSDT), map it, check its
 * signature, length and checksum, and count its entries.
 * Errors: those of acpi_rsdp_parse; CAPOS_ERR_ACPI_UNMAPPED (map refused the root);
 * CAPOS_ERR_ACPI_SIGNATURE, CAPOS_ERR_ACPI_TRUNCATED, CAPOS_ERR_ACPI_CHECKSUM (root
 * header); CAPOS_ERR_ACPI_MALFORMED (entry area not a whole number of entries).
 */
int acpi_init(struct acpi *acpi, const void *rsdp, size_t rsdp_len, acpi_map_fn *map,
	      void *map_ctx);

/*
 * Map and validate the table at `phys`: header readable, length >= 36, whole table
 * mappable, checksum zero. On success `*table` points at the mapped table and `hdr`
 * (if non-NULL) holds its decoded header.
 * Errors: CAPOS_ERR_ACPI_UNMAPPED, CAPOS_ERR_ACPI_TRUNCATED, CAPOS_ERR_ACPI_CHECKSUM.
 */
int acpi_map_table(const struct acpi *acpi, uint64_t phys, const uint8_t **table,
		   struct acpi_sdt_header *hdr);

/* Physical address of root-table entry `index` (< acpi->entry_count). */
uint64_t acpi_root_entry(const struct acpi *acpi, uint32_t index);

/*
 * Find the `instance`-th (0-based) table whose signature is `sig` (4 characters) and
 * validate it like acpi_map_table. Entries whose signature differs are only
 * header-mapped, not checksummed.
 * Errors: CAPOS_ERR_ACPI_NO_TABLE (not listed); CAPOS_ERR_ACPI_UNMAPPED (a root entry
 * points at memory the map callback refuses; reported rather than skipped);
 * CAPOS_ERR_ACPI_TRUNCATED, CAPOS_ERR_ACPI_CHECKSUM (the matching table is broken).
 */
int acpi_find_table(const struct acpi *acpi, const char sig[4], uint32_t instance,
		    const uint8_t **table, struct acpi_sdt_header *hdr);

/*
 * Decode a MADT (`table`, `len` bytes, already validated by acpi_map_table) into `out`.
 * Every entry must be at least 2 bytes, at least its type's minimum length, and end
 * inside the table. Usable processors (enabled or online-capable) must have distinct
 * APIC IDs. Unknown entry types are skipped by their length and counted.
 * Errors: CAPOS_ERR_ACPI_SIGNATURE (not "APIC"), CAPOS_ERR_ACPI_TRUNCATED (shorter
 * than 44 bytes or an entry runs past the end), CAPOS_ERR_ACPI_MALFORMED (entry length
 * below 2 or below its type's minimum, duplicate APIC ID, local APIC or IOAPIC address
 * 0, no usable processor at all).
 */
int acpi_madt_parse(const uint8_t *table, size_t len, struct acpi_madt *out);

/*
 * Decode an HPET table (`table`, `len` bytes, already validated).
 * Errors: CAPOS_ERR_ACPI_SIGNATURE (not "HPET"), CAPOS_ERR_ACPI_TRUNCATED (< 56 bytes),
 * CAPOS_ERR_ACPI_UNSUPPORTED_GAS (base address not in system memory space),
 * CAPOS_ERR_ACPI_MALFORMED (base address 0).
 */
int acpi_hpet_parse(const uint8_t *table, size_t len, struct acpi_hpet *out);

/* Convenience: find, validate and decode the MADT / HPET table. Errors as above. */
int acpi_madt_load(const struct acpi *acpi, struct acpi_madt *out);
int acpi_hpet_load(const struct acpi *acpi, struct acpi_hpet *out);

#endif
