/*
 * capOS ABI v1: the capability id format. A cap id is a 32-bit, table-local,
 * generation-tagged handle: bits 0..15 are the slot index in the holder's cap table,
 * bits 16..31 the slot's generation when the cap was inserted. Generation 0 is never
 * issued, so 0 is never a valid cap id (CAPOS_CAP_NULL). When a slot is freed its
 * generation advances (skipping 0 on wrap), so an id kept after RELEASE fails with
 * CAPOS_ERR_CAP_STALE instead of naming whatever reuses the slot. docs/abi.md explains
 * the split and why wrapping is safe for table-local ids.
 */
#ifndef CAPOS_CAPID_H
#define CAPOS_CAPID_H

#include <stdint.h>

#define CAPOS_CAP_NULL 0u
#define CAPOS_CAP_SLOT_BITS 16u
#define CAPOS_CAP_GEN_BITS 16u
#define CAPOS_CAP_SLOT_MASK ((1u << CAPOS_CAP_SLOT_BITS) - 1u)
#define CAPOS_CAP_GEN_MAX ((1u << CAPOS_CAP_GEN_BITS) - 1u)
/* Upper bound of any table's slot count (ABI; per-process quotas are far lower). */
#define CAPOS_CAP_SLOTS_MAX (1u << CAPOS_CAP_SLOT_BITS)

static inline uint32_t capos_cap_make(uint32_t slot, uint32_t gen)
{
	return (gen << CAPOS_CAP_SLOT_BITS) | (slot & CAPOS_CAP_SLOT_MASK);
}

static inline uint32_t capos_cap_slot(uint32_t cap)
{
	return cap & CAPOS_CAP_SLOT_MASK;
}

static inline uint32_t capos_cap_gen(uint32_t cap)
{
	return cap >> CAPOS_CAP_SLOT_BITS;
}

_Static_assert(CAPOS_CAP_SLOT_BITS + CAPOS_CAP_GEN_BITS == 32, "cap id is 32 bits");

#endif
