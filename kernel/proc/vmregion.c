/*
 * VirtualMemory's region table (kernel/vmregion.h): a sorted, normalized array of at
 * most VMR_MAX [start, end) entries, each in one state. Every change is planned first
 * (which entries it replaces, and with what) and applied only when the plan fits, so
 * a refused change leaves the table as it was. Pure: no kernel services, host-tested
 * in tests/host/kernel/vmregion_test.c.
 */
#include <kernel/vmregion.h>

#include <stddef.h>

#include <capos/error.h>

void vmr_init(struct vmr_table *t)
{
	t->count = 0;
}

uint32_t vmr_first_after(const struct vmr_table *t, uint64_t a)
{
	uint32_t lo = 0, hi = t->count;

	/* Invariant: entries below lo end at or before a; entries at hi or above end after. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (t->e[mid].end <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static uint64_t vmr_min(uint64_t x, uint64_t y)
{
	return x < y ? x : y;
}

static uint64_t vmr_max(uint64_t x, uint64_t y)
{
	return x > y ? x : y;
}

uint64_t vmr_bytes(const struct vmr_table *t, uint64_t a, uint64_t b, unsigned mask)
{
	uint64_t covered = 0, in_mask = 0;

	for (uint32_t i = vmr_first_after(t, a); i < t->count && t->e[i].start < b; i++) {
		uint64_t n = vmr_min(t->e[i].end, b) - vmr_max(t->e[i].start, a);

		covered += n;
		if (mask & VMR_BIT(t->e[i].state))
			in_mask += n;
	}
	if (mask & VMR_BIT(VMR_FREE))
		in_mask += (b - a) - covered;
	return in_mask;
}

uint64_t vmr_total(const struct vmr_table *t)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < t->count; i++)
		n += t->e[i].end - t->e[i].start;
	return n;
}

/* A planned change: entries [lo, hi) are replaced by rep[0 .. k). */
struct vmr_plan {
	uint32_t lo, hi, k;
	struct vmr_entry rep[3];
};

/* Folds touching pieces of one state together (at most 3 pieces, in address order). */
static uint32_t vmr_coalesce(struct vmr_entry *rep, uint32_t k)
{
	uint32_t out = 0;

	for (uint32_t i = 0; i < k; i++) {
		if (out > 0 && rep[out - 1].end == rep[i].start &&
		    rep[out - 1].state == rep[i].state)
			rep[out - 1].end = rep[i].end;
		else
			rep[out++] = rep[i];
	}
	return out;
}

/* Extends the plan over a neighbour outside [lo, hi) that touches it in the same state. */
static void vmr_plan_absorb(const struct vmr_table *t, struct vmr_plan *p)
{
	if (p->k == 0)
		return;
	if (p->lo > 0 && t->e[p->lo - 1].end == p->rep[0].start &&
	    t->e[p->lo - 1].state == p->rep[0].state) {
		p->rep[0].start = t->e[p->lo - 1].start;
		p->lo--;
	}
	if (p->hi < t->count && t->e[p->hi].start == p->rep[p->k - 1].end &&
	    t->e[p->hi].state == p->rep[p->k - 1].state) {
		p->rep[p->k - 1].end = t->e[p->hi].end;
		p->hi++;
	}
}

static int vmr_plan(const struct vmr_table *t, uint64_t a, uint64_t b, enum vmr_state s,
		    struct vmr_plan *p)
{
	if (a >= b || (unsigned)s >= VMR_STATE_COUNT)
		return CAPOS_ERR_INVALID;
	p->lo = p->hi = vmr_first_after(t, a);
	while (p->hi < t->count && t->e[p->hi].start < b)
		p->hi++;
	p->k = 0;
	if (p->lo < p->hi && t->e[p->lo].start < a)
		p->rep[p->k++] = (struct vmr_entry){ t->e[p->lo].start, a, t->e[p->lo].state };
	if (s != VMR_FREE)
		p->rep[p->k++] = (struct vmr_entry){ a, b, s };
	if (p->lo < p->hi && t->e[p->hi - 1].end > b)
		p->rep[p->k++] =
			(struct vmr_entry){ b, t->e[p->hi - 1].end, t->e[p->hi - 1].state };
	p->k = vmr_coalesce(p->rep, p->k);
	vmr_plan_absorb(t, p);
	if (t->count - (p->hi - p->lo) + p->k > VMR_MAX)
		return CAPOS_ERR_VMR_TOO_MANY;
	return CAPOS_OK;
}

int vmr_set_check(const struct vmr_table *t, uint64_t a, uint64_t b, enum vmr_state s)
{
	struct vmr_plan p;

	return vmr_plan(t, a, b, s, &p);
}

int vmr_set(struct vmr_table *t, uint64_t a, uint64_t b, enum vmr_state s)
{
	struct vmr_plan p;
	int err = vmr_plan(t, a, b, s, &p);

	if (err)
		return err;
	__builtin_memmove(&t->e[p.lo + p.k], &t->e[p.hi], (t->count - p.hi) * sizeof(t->e[0]));
	for (uint32_t i = 0; i < p.k; i++)
		t->e[p.lo + i] = p.rep[i];
	t->count = t->count - (p.hi - p.lo) + p.k;
	return CAPOS_OK;
}

/* The candidate in the free run [fs, fe) (fe UINT64_MAX: unbounded), or 0 if none. */
static uint64_t vmr_fit(uint64_t fs, uint64_t fe, uint64_t lo, uint64_t hi, uint64_t size,
			uint64_t gap)
{
	uint64_t cand = vmr_max(fs == 0 ? 0 : fs + gap, lo);

	if (cand >= hi || size > hi - cand || cand >= fe || size > fe - cand ||
	    (fe != UINT64_MAX && gap > fe - cand - size))
		return 0;
	return cand;
}

int vmr_find_free(const struct vmr_table *t, uint64_t lo, uint64_t hi, uint64_t size, uint64_t gap,
		  uint64_t *out)
{
	uint64_t fs = 0;

	if (size == 0 || lo == 0)
		return CAPOS_ERR_VMR_NO_SPACE;
	/* Invariant: fs is the end of the entry before e[i] (0: none); [fs, e[i].start)
	 * is free. */
	for (uint32_t i = 0; i <= t->count; i++) {
		uint64_t fe = i < t->count ? t->e[i].start : UINT64_MAX;
		uint64_t cand = vmr_fit(fs, fe, lo, hi, size, gap);

		if (cand != 0) {
			*out = cand;
			return CAPOS_OK;
		}
		if (i < t->count)
			fs = t->e[i].end;
		if (fs >= hi)
			break;
	}
	return CAPOS_ERR_VMR_NO_SPACE;
}

bool vmr_valid(const struct vmr_table *t)
{
	if (t->count > VMR_MAX)
		return false;
	for (uint32_t i = 0; i < t->count; i++) {
		const struct vmr_entry *e = &t->e[i];

		if (e->start >= e->end || e->state == VMR_FREE || e->state >= VMR_STATE_COUNT)
			return false;
		if (i > 0 && (t->e[i - 1].end > e->start ||
			      (t->e[i - 1].end == e->start && t->e[i - 1].state == e->state)))
			return false;
	}
	return true;
}
