/*
 * capOS ABI v1: the CapSet page. Each process gets one read-only 4 KiB page (address
 * in RDX at entry; CAPOS_USER_CAPSET in v1) listing the caps it was started with, by
 * the names its manifest entry or its spawner gave them, with each cap's interface id
 * so the runtime hands out a typed client only when the id matches the type it
 * expects. The kernel builds the page from the table it just populated; the process
 * cannot write it. Entries are in grant order; names are unique within a page.
 */
#ifndef CAPOS_CAPSET_H
#define CAPOS_CAPSET_H

#include <stddef.h>
#include <stdint.h>

#include <capos/ring.h> /* CAPOS_ABI_VERSION */

#define CAPOS_CAPSET_MAGIC 0x54455343u /* "CSET" little-endian */
#define CAPOS_CAPSET_PAGE_SIZE 0x1000u
#define CAPOS_CAPSET_NAME_MAX 48u /* bytes including the terminating NUL */
#define CAPOS_CAPSET_ENTRY_SIZE 64u
#define CAPOS_CAPSET_MAX_ENTRIES 63u

/* One granted cap. name: 1..47 bytes of [a-z0-9._-], NUL-terminated, NUL-padded. */
struct capos_capset_entry {
	char name[CAPOS_CAPSET_NAME_MAX]; /* 0x00 grant name */
	uint64_t interface_id;		  /* 0x30 capnp type id of the cap's interface */
	uint32_t cap;			  /* 0x38 cap id in this process's table */
	uint32_t rsvd;			  /* 0x3C zero */
};

struct capos_capset_header {
	uint32_t magic;	     /* 0x00 CAPOS_CAPSET_MAGIC */
	uint16_t version;    /* 0x04 CAPOS_ABI_VERSION */
	uint16_t count;	     /* 0x06 entries in use, <= CAPOS_CAPSET_MAX_ENTRIES */
	uint16_t entry_size; /* 0x08 CAPOS_CAPSET_ENTRY_SIZE */
	uint16_t rsvd0;	     /* 0x0A zero */
	uint32_t rsvd1;	     /* 0x0C zero */
	uint64_t rsvd2[6];   /* 0x10 zero */
};

struct capos_capset_page {
	struct capos_capset_header hdr;				     /* 0x000 */
	struct capos_capset_entry entries[CAPOS_CAPSET_MAX_ENTRIES]; /* 0x040 */
};

_Static_assert(sizeof(struct capos_capset_entry) == CAPOS_CAPSET_ENTRY_SIZE, "entry size");
_Static_assert(offsetof(struct capos_capset_entry, name) == 0x00, "entry.name");
_Static_assert(offsetof(struct capos_capset_entry, interface_id) == 0x30, "entry.iid");
_Static_assert(offsetof(struct capos_capset_entry, cap) == 0x38, "entry.cap");
_Static_assert(offsetof(struct capos_capset_entry, rsvd) == 0x3C, "entry.rsvd");
_Static_assert(sizeof(struct capos_capset_header) == 0x40, "header size");
_Static_assert(offsetof(struct capos_capset_header, magic) == 0x00, "hdr.magic");
_Static_assert(offsetof(struct capos_capset_header, version) == 0x04, "hdr.version");
_Static_assert(offsetof(struct capos_capset_header, count) == 0x06, "hdr.count");
_Static_assert(offsetof(struct capos_capset_header, entry_size) == 0x08, "hdr.entry_size");
_Static_assert(offsetof(struct capos_capset_header, rsvd0) == 0x0A, "hdr.rsvd0");
_Static_assert(offsetof(struct capos_capset_header, rsvd1) == 0x0C, "hdr.rsvd1");
_Static_assert(offsetof(struct capos_capset_header, rsvd2) == 0x10, "hdr.rsvd2");
_Static_assert(sizeof(struct capos_capset_page) == CAPOS_CAPSET_PAGE_SIZE, "one page");
_Static_assert(offsetof(struct capos_capset_page, entries) == 0x40, "page.entries");

#endif
