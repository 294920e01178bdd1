/*
 * Reference model of the WFQ run queue (wfq_model.h): placement, charge and the
 * min_vruntime rule written out directly over a flat array, the pick by a linear scan
 * of (vruntime modulo 2^64, arrival).
 */
#include "wfq_model.h"

#include <string.h>

enum {
	OP_ENQUEUE,
	OP_DEQUEUE,
	OP_PICK,
	OP_CHARGE,
	OP_WEIGHT,
	OP_BLOCK,
	OP_HANDOFF,
	OP_SWITCH,
	OP_COUNT
};

void wfqm_init(struct wfqm *s, uint64_t min0)
{
	memset(s, 0, sizeof(*s));
	wfq_init(&s->q);
	s->q.min_vruntime = s->min = min0;
	s->curr = -1;
	for (int i = 0; i < WFQM_N; i++) {
		wfq_entity_init(&s->e[i], 1 + (uint32_t)i % 4);
		s->m[i].w = s->e[i].weight;
	}
}

static bool wfqm_less(const struct wfqm_ent *a, const struct wfqm_ent *b)
{
	if (a->v != b->v)
		return (int64_t)(a->v - b->v) < 0;
	return a->seq < b->seq;
}

/* Index of the model's first queued entity, or -1. */
static int wfqm_first(const struct wfqm *s)
{
	int best = -1;

	for (int i = 0; i < WFQM_N; i++)
		if (s->m[i].queued && (best < 0 || wfqm_less(&s->m[i], &s->m[best])))
			best = i;
	return best;
}

static void wfqm_update_min(struct wfqm *s)
{
	int f = wfqm_first(s);
	bool have = false;
	uint64_t v = 0;

	if (f >= 0) {
		v = s->m[f].v;
		have = true;
	}
	if (s->curr >= 0 && (!have || (int64_t)(s->m[s->curr].v - v) < 0)) {
		v = s->m[s->curr].v;
		have = true;
	}
	if (have && (int64_t)(s->min - v) < 0)
		s->min = v;
}

static void wfqm_place(struct wfqm *s, int i)
{
	struct wfqm_ent *m = &s->m[i];
	uint64_t floor = s->min - WFQ_WAKE_CREDIT;

	if (!m->placed)
		m->v = s->min;
	else if ((int64_t)(m->v - floor) < 0)
		m->v = floor;
	m->placed = true;
}

static void wfqm_enqueue(struct wfqm *s, int i)
{
	if (s->m[i].queued)
		return;
	if (s->curr == i)
		s->curr = -1;
	wfqm_place(s, i);
	s->m[i].seq = s->next_seq++;
	s->m[i].queued = true;
	wfqm_update_min(s);
	wfq_enqueue(&s->q, &s->e[i]);
}

static void wfqm_dequeue(struct wfqm *s, int i)
{
	if (s->m[i].queued)
		s->m[i].queued = false;
	else if (s->curr == i)
		s->curr = -1;
	wfqm_update_min(s);
	wfq_dequeue(&s->q, &s->e[i]);
}

/* Both sides make `i` (not queued; -1: nothing) the running entity. */
static void wfqm_run(struct wfqm *s, int i)
{
	s->curr = i;
	wfqm_update_min(s);
	wfq_set_curr(&s->q, i < 0 ? NULL : &s->e[i]);
}

static bool wfqm_pick(struct wfqm *s)
{
	int f = wfqm_first(s);
	struct wfq_entity *e = wfq_pop_first(&s->q);

	if (f < 0)
		return e == NULL;
	if (e != &s->e[f])
		return false;
	s->m[f].queued = false;
	wfqm_update_min(s);
	wfqm_run(s, f);
	return true;
}

/* A charge of the model's running entity, in ns, from two operand bytes. */
static uint64_t wfqm_delta(uint8_t a, uint8_t b)
{
	return a == 255 ? UINT64_MAX : (uint64_t)a * b * 100000u;
}

/* The model's side of charging its running entity d ns. */
static void wfqm_charge_model(struct wfqm *s, uint64_t d)
{
	struct wfqm_ent *m = &s->m[s->curr];
	uint64_t dc = d > WFQ_CHARGE_MAX_NS ? WFQ_CHARGE_MAX_NS : d;

	m->v += dc * WFQ_WEIGHT_UNIT / m->w;
	wfqm_update_min(s);
}

static void wfqm_charge(struct wfqm *s, uint8_t a, uint8_t b)
{
	uint64_t d = wfqm_delta(a, b);

	if (s->curr < 0)
		return;
	wfqm_charge_model(s, d);
	wfq_charge(&s->q, &s->e[s->curr], d);
}

/* A context switch: the model charges its running entity, then runs `i` (-1: idle);
 * the queue does both in wfq_switch. */
static void wfqm_switch(struct wfqm *s, int i, uint64_t d)
{
	if (i >= 0 && (s->m[i].queued || s->curr == i))
		return;
	if (i >= 0) { /* placed first, as the IPC handoff does before its switch */
		wfqm_place(s, i);
		wfq_place(&s->q, &s->e[i]);
	}
	if (s->curr >= 0)
		wfqm_charge_model(s, d);
	s->curr = i;
	wfqm_update_min(s);
	wfq_switch(&s->q, d, i < 0 ? NULL : &s->e[i]);
}

static void wfqm_handoff(struct wfqm *s, int i)
{
	if (s->m[i].queued || s->curr == i)
		return;
	wfqm_place(s, i);
	wfq_place(&s->q, &s->e[i]);
	wfqm_run(s, i);
}

/* The two sides agree on everything observable. */
static bool wfqm_agree(const struct wfqm *s)
{
	int f = wfqm_first(s);
	uint64_t load = 0;

	if (!wfq_validate(&s->q) || s->q.min_vruntime != s->min)
		return false;
	if (wfq_first(&s->q) != (f < 0 ? NULL : &s->e[f]))
		return false;
	if (s->q.curr != (s->curr < 0 ? NULL : &s->e[s->curr]))
		return false;
	for (int i = 0; i < WFQM_N; i++) {
		if (s->m[i].placed && s->e[i].vruntime != s->m[i].v)
			return false;
		if (s->e[i].queued != s->m[i].queued || s->e[i].weight != s->m[i].w)
			return false;
		if (s->m[i].queued || s->curr == i)
			load += s->m[i].w;
	}
	return load == s->q.load_weight;
}

bool wfqm_step(struct wfqm *s, uint8_t op, uint8_t a, uint8_t b)
{
	int i = a % WFQM_N;

	switch (op % OP_COUNT) {
	case OP_ENQUEUE:
		wfqm_enqueue(s, i);
		break;
	case OP_DEQUEUE:
		wfqm_dequeue(s, i);
		break;
	case OP_PICK:
		if (!wfqm_pick(s))
			return false;
		break;
	case OP_CHARGE:
		wfqm_charge(s, a, b);
		break;
	case OP_WEIGHT:
		s->m[i].w = 1 + b % WFQ_WEIGHT_MAX;
		wfq_set_weight(&s->q, &s->e[i], s->m[i].w);
		break;
	case OP_BLOCK:
		wfqm_run(s, -1);
		break;
	case OP_HANDOFF:
		wfqm_handoff(s, i);
		break;
	default: /* OP_SWITCH: to entity i, or to idle when b is odd */
		wfqm_switch(s, b & 1 ? -1 : i, wfqm_delta(a, b));
		break;
	}
	return wfqm_agree(s);
}
