/*
 * Resource ledgers as kernel allocations: created with their process, referenced by
 * objects charged to them that can outlive it, freed with the last reference
 * (kernel/include/kernel/ledger.h holds the charge arithmetic).
 */
#include <stdint.h>

#include <kernel/mm.h>
#include <kernel/ledger.h>
#include <kernel/panic.h>

int ledger_create(struct ledger **out)
{
	struct ledger *l = kzalloc(sizeof(*l));

	if (l == NULL)
		return CAPOS_ERR_NO_MEMORY;
	for (unsigned c = 0; c < LEDGER_CLASS_COUNT; c++)
		l->limit[c] = UINT64_MAX;
	l->refs = 1;
	*out = l;
	return CAPOS_OK;
}

void ledger_get(struct ledger *l)
{
	if (l->refs == UINT32_MAX)
		panic("ledger: reference count saturated");
	l->refs++;
}

void ledger_put(struct ledger *l)
{
	if (l->refs == 0)
		panic("ledger: reference count underflow");
	if (--l->refs == 0)
		kfree(l);
}
