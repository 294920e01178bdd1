/*
 * Host tests of the ABI v1 headers (include/capos/): cap id packing, the user range
 * predicate at every boundary, the error vocabulary's uniqueness and ranges, and the
 * ring/CapSet constants the kernel and the runtime both derive indices from. The
 * layouts themselves are pinned by static assertions inside the headers.
 */
#include "test.h"

#include <capos/capid.h>
#include <capos/capset.h>
#include <capos/error.h>
#include <capos/layout.h>
#include <capos/ring.h>
#include <capos/syscall.h>

#define ERR_VALUE(name, value, desc) value,
static const int all_codes[] = { CAPOS_ERRORS(ERR_VALUE) };
#undef ERR_VALUE
#define ERR_NAME(name, value, desc) #name,
static const char *const all_names[] = { CAPOS_ERRORS(ERR_NAME) };
#undef ERR_NAME
#define NCODES (sizeof(all_codes) / sizeof(all_codes[0]))

TEST(abi_error_codes_unique)
{
	for (unsigned i = 0; i < NCODES; i++)
		for (unsigned j = i + 1; j < NCODES; j++)
			CHECK(all_codes[i] != all_codes[j]);
}

/* Every RING/CAP/KOBJ/CAPSET/VM code sits in -200..-255, every ELF code in -256..-287,
 * every MANIFEST code in -288..-303 (kernel decoder) or -320..-351 (lib/manifest),
 * every DEMO code in -360..-367. */
/* Each error-name prefix and the block(s) of include/capos/error.h its codes live in;
 * a name matching no prefix must be a general or boot code (above -200). */
static const struct error_block {
	const char *prefix;
	int hi, lo;	   /* first block: hi .. lo (hi > lo) */
	int hi2, lo2;	   /* optional second block, 0 .. 0 when none */
	unsigned at_least; /* codes the block must hold (catches a renamed prefix) */
} error_blocks[] = {
	{ "CAPOS_ERR_RING_", -200, -223, 0, 0, 15 },
	{ "CAPOS_ERR_CAP_", -218, -239, 0, 0, 8 },
	{ "CAPOS_ERR_KOBJ_", -224, -239, 0, 0, 2 },
	{ "CAPOS_ERR_CAPSET_", -224, -239, 0, 0, 3 },
	{ "CAPOS_ERR_VM_", -224, -239, 0, 0, 1 },
	{ "CAPOS_ERR_EP_", -237, -247, 0, 0, 7 },   /* the ipc block */
	{ "CAPOS_ERR_XFER_", -248, -255, 0, 0, 5 }, /* capability transfer's block */
	{ "CAPOS_ERR_ELF_", -256, -287, 0, 0, 25 },
	{ "CAPOS_ERR_MANIFEST_", -288, -303, -320, -351, 15 },
	{ "CAPOS_ERR_SPAWN_", -304, -319, 0, 0, 13 },
	/* init executor and timer: Timer.sleep, facet minting */
	{ "CAPOS_ERR_TIMER_SLEEP_", -352, -359, 0, 0, 2 },
	{ "CAPOS_ERR_FACET_", -352, -359, 0, 0, 1 },
	{ "CAPOS_ERR_DEMO_", -360, -367, 0, 0, 2 },    /* demo services (schema/demo.capnp) */
	{ "CAPOS_ERR_QUOTA_", -368, -383, 0, 0, 8 },   /* resource accounting (ledger.h) */
	{ "CAPOS_ERR_MEMOBJ_", -384, -391, 0, 0, 7 },  /* MemoryObject, FrameAllocator */
	{ "CAPOS_ERR_VMR_", -392, -399, 0, 0, 6 },     /* VirtualMemory reservations (vmres.h) */
	{ "CAPOS_ERR_KERNEL_", -400, -407, 0, 0, 2 },  /* kernel self-protection (kcharge.h) */
	{ "CAPOS_ERR_TERM_", -408, -415, 0, 0, 4 },    /* terminal: ldisc.h, TerminalSession */
	{ "CAPOS_ERR_ENTROPY_", -416, -423, 0, 0, 2 }, /* the kernel CSPRNG (krng.h) */
	{ "CAPOS_ERR_CRED_", -432, -439, 0, 0, 8 },    /* CredentialStore (user/credstore) */
	{ "CAPOS_ERR_SESSION_", -440, -455, 0, 0, 4 }, /* SessionManager (user/sessmgr) */
	{ "CAPOS_ERR_BROKER_", -440, -455, 0, 0, 4 },  /* AuthorityBroker (user/broker) */
	{ "CAPOS_ERR_AUDIT_", -440, -455, 0, 0, 2 },   /* AuditLog (user/audit) */
	{ "CAPOS_ERR_SHELL_", -456, -463, 0, 0, 8 },   /* capos-shell (user/shell/parse.h) */
	{ "CAPOS_ERR_STDIO_", -464, -471, 0, 0, 1 },   /* the StdIO client (libcapos/stdio_cap.h) */
	{ "CAPOS_ERR_THREAD_", -472, -479, 0, 0, 8 },  /* threads (kernel/cap/thread*.c) */
	{ "CAPOS_ERR_PARK_", -480, -487, 0, 0, 7 },    /* PARK/UNPARK, park spaces (kpark.c) */
};

TEST(abi_error_codes_in_their_ranges)
{
	unsigned count[sizeof(error_blocks) / sizeof(error_blocks[0])] = { 0 };

	for (unsigned i = 0; i < NCODES; i++) {
		const struct error_block *b = NULL;
		int v = all_codes[i];

		for (unsigned k = 0; k < sizeof(error_blocks) / sizeof(error_blocks[0]); k++)
			if (!strncmp(all_names[i], error_blocks[k].prefix,
				     strlen(error_blocks[k].prefix))) {
				b = &error_blocks[k];
				count[k]++;
			}
		if (b == NULL) {
			CHECK(v > -200);
			continue;
		}
		if (!((v <= b->hi && v >= b->lo) || (b->hi2 && v <= b->hi2 && v >= b->lo2)))
			test_fail(__FILE__, __LINE__, "%s = %d outside its block %s", all_names[i],
				  v, b->prefix);
	}
	for (unsigned k = 0; k < sizeof(error_blocks) / sizeof(error_blocks[0]); k++)
		if (count[k] < error_blocks[k].at_least)
			test_fail(__FILE__, __LINE__, "block %s holds %u codes, expected >= %u",
				  error_blocks[k].prefix, count[k], error_blocks[k].at_least);
}

TEST(abi_capid_pack_unpack)
{
	uint32_t id = capos_cap_make(0x1234, 0xBEEF);
	CHECK_UEQ(id, 0xBEEF1234u);
	CHECK_UEQ(capos_cap_slot(id), 0x1234);
	CHECK_UEQ(capos_cap_gen(id), 0xBEEF);
	CHECK_UEQ(capos_cap_make(0, 0), CAPOS_CAP_NULL);
	/* The slot is masked, so an oversized slot cannot spill into the generation. */
	CHECK_UEQ(capos_cap_make(0x10001, 1), 0x00010001u);
	CHECK_UEQ(capos_cap_gen(capos_cap_make(CAPOS_CAP_SLOT_MASK, CAPOS_CAP_GEN_MAX)),
		  CAPOS_CAP_GEN_MAX);
}

TEST(abi_user_range_boundaries)
{
	CHECK(capos_user_range_ok(CAPOS_USER_BASE, 1));
	CHECK(!capos_user_range_ok(CAPOS_USER_BASE - 1, 1));
	CHECK(!capos_user_range_ok(0, 0));
	CHECK(capos_user_range_ok(CAPOS_USER_LAST, 1));
	CHECK(!capos_user_range_ok(CAPOS_USER_LAST, 2)); /* straddles the end */
	CHECK(!capos_user_range_ok(CAPOS_USER_END, 0));
	CHECK(capos_user_range_ok(CAPOS_USER_BASE, CAPOS_USER_END - CAPOS_USER_BASE));
	CHECK(!capos_user_range_ok(CAPOS_USER_BASE, CAPOS_USER_END - CAPOS_USER_BASE + 1));
	CHECK(!capos_user_range_ok(CAPOS_USER_BASE, UINT64_MAX)); /* would overflow */
	CHECK(!capos_user_range_ok(0xFFFF800000000000ULL, 8));	  /* kernel half */
	CHECK(!capos_user_range_ok(0x0000800000000000ULL, 8));	  /* non-canonical */
	CHECK(capos_user_range_ok(CAPOS_USER_CAPSET, CAPOS_PAGE_SIZE));
}

TEST(abi_ring_geometry_consistent)
{
	struct capos_ring r;
	CHECK_UEQ((uintptr_t)&r.sq[0] - (uintptr_t)&r, CAPOS_RING_SQ_OFFSET);
	CHECK_UEQ((uintptr_t)&r.cq[0] - (uintptr_t)&r, CAPOS_RING_CQ_OFFSET);
	CHECK_UEQ((uintptr_t)&r.cq[CAPOS_RING_CQ_ENTRIES] - (uintptr_t)&r, CAPOS_RING_PAGE_SIZE);
	/* Free-running indices wrap through the mask without skipping a slot. */
	uint32_t idx = UINT32_MAX;
	CHECK_UEQ(idx & CAPOS_RING_SQ_MASK, CAPOS_RING_SQ_ENTRIES - 1);
	idx++;
	CHECK_UEQ(idx & CAPOS_RING_SQ_MASK, 0);
	CHECK(CAPOS_OP_INVALID == 0 && CAPOS_OP_NOP != 0);
	CHECK(CAPOS_SYS_INVALID == 0 && CAPOS_SYS_CAP_ENTER != 0 && CAPOS_SYS_EXIT != 0);
}

TEST(abi_fixed_addresses_in_regions)
{
	uint64_t ring0 = CAPOS_USER_RING_BASE;
	CHECK(capos_user_range_ok(ring0, CAPOS_RING_PAGE_SIZE));
	CHECK(capos_user_range_ok(CAPOS_USER_STACK_TOP - CAPOS_USER_STACK_SIZE,
				  CAPOS_USER_STACK_SIZE));
	CHECK_UEQ(CAPOS_USER_STACK_TOP % 16, 0);
	CHECK_UEQ(CAPOS_USER_RING_STRIDE, 2 * CAPOS_PAGE_SIZE);
	CHECK_UEQ(sizeof(struct capos_capset_page), CAPOS_PAGE_SIZE);
}
