/*
 * Host tests of the WFQ run queue (kernel/sched/wfq.c): the virtual-time formula and
 * its overflow edges, pick order and FIFO ties, min_vruntime monotonicity, placement
 * bounds, removal of arbitrary entities, the slice rule, migration, the balance
 * decision (imbalanced, balanced, single entity, bounded, hysteresis), CPU-share
 * fairness over simulated runs with a fixed tick, and random operation sequences
 * checked against the reference model of wfq_model.c.
 */
#include "../test.h"
#include "wfq_model.h"

#include <kernel/wfq.h>

#define TICK_NS (10 * WFQ_MS)
#define SLICE_NS (20 * WFQ_MS)

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rng_next(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

/* An entity that has run before, with vruntime v. */
static void ent_at(struct wfq_entity *e, uint32_t weight, uint64_t v)
{
	wfq_entity_init(e, weight);
	e->vruntime = v;
	e->placed = true;
}

TEST(vdelta_formula_and_overflow_edges)
{
	CHECK_UEQ(wfq_vdelta(1000, WFQ_WEIGHT_UNIT), 1000);
	CHECK_UEQ(wfq_vdelta(1000, 1), 1000ull * WFQ_WEIGHT_UNIT);
	CHECK_UEQ(wfq_vdelta(1000, 2), 1000ull * WFQ_WEIGHT_UNIT / 2);
	CHECK_UEQ(wfq_vdelta(3, 1000), 3ull * WFQ_WEIGHT_UNIT / 1000);
	CHECK_UEQ(wfq_vdelta(0, 1), 0);
	/* Clamped, not wrapped: the largest charge is WFQ_CHARGE_MAX_NS at weight 1. */
	CHECK_UEQ(wfq_vdelta(UINT64_MAX, 1), WFQ_CHARGE_MAX_NS * WFQ_WEIGHT_UNIT);
	CHECK_UEQ(wfq_vdelta(WFQ_CHARGE_MAX_NS + 1, 1), WFQ_CHARGE_MAX_NS * WFQ_WEIGHT_UNIT);
	CHECK_UEQ(wfq_vdelta(UINT64_MAX, WFQ_WEIGHT_MAX),
		  WFQ_CHARGE_MAX_NS * WFQ_WEIGHT_UNIT / WFQ_WEIGHT_MAX);
	/* Out of contract weights stay defined (no division by zero). */
	CHECK_UEQ(wfq_vdelta(10, 0), wfq_vdelta(10, 1));
	CHECK_UEQ(wfq_vdelta(10, WFQ_WEIGHT_MAX + 5), wfq_vdelta(10, WFQ_WEIGHT_MAX));
}

TEST(wrap_safe_compare)
{
	CHECK(wfq_before(1, 2));
	CHECK(!wfq_before(2, 1));
	CHECK(!wfq_before(5, 5));
	CHECK(wfq_before(UINT64_MAX - 10, 5)); /* 5 is 16 past UINT64_MAX - 10 */
	CHECK(!wfq_before(5, UINT64_MAX - 10));
}

TEST(pick_order_and_fifo_ties)
{
	static const uint64_t v[] = { 50, 10, 40, 10, 30, 20, 10 };
	static const int order[] = { 1, 3, 6, 5, 4, 2, 0 }; /* equal keys: arrival order */
	struct wfq_entity e[7];
	struct wfq_queue q;

	wfq_init(&q);
	for (int i = 0; i < 7; i++) {
		ent_at(&e[i], 1, v[i]);
		wfq_enqueue(&q, &e[i]);
		CHECK(wfq_validate(&q));
	}
	CHECK_EQ(wfq_nr(&q), 7);
	CHECK(wfq_last(&q) == &e[0]);
	for (int i = 0; i < 7; i++) {
		struct wfq_entity *f = wfq_first(&q);

		CHECK(f == &e[order[i]]);
		CHECK(wfq_pop_first(&q) == f);
		CHECK(!f->queued);
		CHECK(wfq_validate(&q));
	}
	CHECK(wfq_pop_first(&q) == NULL);
	CHECK(wfq_last(&q) == NULL);
	CHECK_EQ(q.load_weight, 0);
}

TEST(weights_scale_vruntime)
{
	struct wfq_entity a, b;
	struct wfq_queue q;

	wfq_init(&q);
	wfq_entity_init(&a, 1);
	wfq_entity_init(&b, 2);
	wfq_enqueue(&q, &a);
	wfq_enqueue(&q, &b);
	CHECK_UEQ(a.vruntime, 0);
	CHECK_UEQ(b.vruntime, 0);
	wfq_dequeue(&q, &a);
	wfq_dequeue(&q, &b);
	wfq_charge(&q, &a, 4 * WFQ_MS);
	wfq_charge(&q, &b, 4 * WFQ_MS);
	CHECK_UEQ(a.vruntime, 2 * b.vruntime);
	CHECK_UEQ(b.vruntime, 2 * WFQ_MS * WFQ_WEIGHT_UNIT);
	/* Changing a weight keeps vruntime and adjusts the load of the queue holding it. */
	wfq_set_curr(&q, &a);
	CHECK_UEQ(q.load_weight, 1);
	wfq_set_weight(&q, &a, 7);
	CHECK_UEQ(q.load_weight, 7);
	CHECK_UEQ(a.vruntime, 4 * WFQ_MS * WFQ_WEIGHT_UNIT);
	wfq_set_weight(NULL, &b, 3); /* on no queue */
	CHECK_UEQ(b.weight, 3);
	CHECK_UEQ(q.load_weight, 7);
	CHECK(wfq_validate(&q));
}

/* wfq_switch is wfq_charge of curr then wfq_set_curr, on every path: running entity or
 * none, next or idle, next behind or ahead of the floor, a clamped charge. */
TEST(switch_equals_charge_then_set_curr)
{
	static const uint64_t deltas[] = { 0, 3 * WFQ_MS, UINT64_MAX };
	int checked = 0;

	for (int has_curr = 0; has_curr < 2; has_curr++)
		for (int to_idle = 0; to_idle < 2; to_idle++)
			for (size_t d = 0; d < 3; d++)
				for (uint64_t nv = 0; nv < 3; nv++) {
					struct wfq_queue q[2];
					struct wfq_entity cur[2], next[2], other[2];

					for (int k = 0; k < 2; k++) {
						wfq_init(&q[k]);
						ent_at(&cur[k], 3, 5000);
						ent_at(&next[k], 2, nv * 4000);
						ent_at(&other[k], 1, 6000);
						wfq_enqueue(&q[k], &other[k]);
						if (has_curr)
							wfq_set_curr(&q[k], &cur[k]);
					}
					struct wfq_entity *n0 = to_idle ? NULL : &next[0];
					struct wfq_entity *n1 = to_idle ? NULL : &next[1];

					if (has_curr)
						wfq_charge(&q[0], &cur[0], deltas[d]);
					wfq_set_curr(&q[0], n0);
					wfq_switch(&q[1], deltas[d], n1);
					CHECK_UEQ(q[1].min_vruntime, q[0].min_vruntime);
					CHECK_UEQ(q[1].load_weight, q[0].load_weight);
					CHECK_UEQ(cur[1].vruntime, cur[0].vruntime);
					CHECK((q[1].curr == NULL) == (q[0].curr == NULL));
					CHECK(wfq_validate(&q[1]));
					checked++;
				}
	CHECK_EQ(checked, 36);
	/* Out-of-range weights are clamped where they are set, so no charge divides by 0. */
	struct wfq_queue q;
	struct wfq_entity z, big;

	wfq_init(&q);
	wfq_entity_init(&z, 0);
	CHECK_UEQ(z.weight, 1);
	wfq_entity_init(&big, WFQ_WEIGHT_MAX + 9);
	CHECK_UEQ(big.weight, WFQ_WEIGHT_MAX);
	wfq_set_curr(&q, &z);
	wfq_set_weight(&q, &z, 0);
	CHECK_UEQ(z.weight, 1);
	CHECK_UEQ(q.load_weight, 1);
	wfq_switch(&q, 7, NULL);
	CHECK_UEQ(z.vruntime, 7 * WFQ_WEIGHT_UNIT);
}

TEST(min_vruntime_never_goes_backwards)
{
	struct wfq_entity e[3];
	struct wfq_queue q;
	uint64_t last;

	wfq_init(&q);
	for (int i = 0; i < 3; i++) {
		ent_at(&e[i], 1, 1000u * (i + 1));
		wfq_enqueue(&q, &e[i]);
	}
	CHECK_UEQ(q.min_vruntime, 1000);
	struct wfq_entity *run = wfq_pop_first(&q);
	wfq_set_curr(&q, run);
	wfq_charge(&q, run, 1);
	CHECK_UEQ(q.min_vruntime, 2000); /* curr is now past e[1] */
	/* A sleeper far behind comes back: placed at min - credit, min stays. */
	struct wfq_entity s;
	ent_at(&s, 1, 0);
	last = q.min_vruntime;
	wfq_enqueue(&q, &s);
	CHECK_UEQ(q.min_vruntime, last);
	CHECK(wfq_first(&q) == &s);
	/* Removals move min up to min(curr, first), then emptying the queue leaves it. */
	wfq_dequeue(&q, &s);
	CHECK_UEQ(q.min_vruntime, last);
	wfq_dequeue(&q, &e[1]);
	CHECK_UEQ(q.min_vruntime, run->vruntime); /* 1000 + 1 ns at weight 1 */
	CHECK_UEQ(run->vruntime, 1000 + WFQ_WEIGHT_UNIT);
	last = q.min_vruntime;
	wfq_dequeue(&q, &e[2]);
	wfq_set_curr(&q, NULL);
	CHECK_UEQ(q.min_vruntime, last);
	CHECK_EQ(wfq_nr(&q), 0);
	/* Random churn: min is monotonic (modulo 2^64) at every step. */
	struct wfqm m;
	wfqm_init(&m, 0);
	last = 0;
	for (int i = 0; i < 20000; i++) {
		CHECK(wfqm_step(&m, (uint8_t)rng_next(), (uint8_t)rng_next(), (uint8_t)rng_next()));
		CHECK(!wfq_before(m.q.min_vruntime, last));
		last = m.q.min_vruntime;
	}
}

TEST(placement_bounds)
{
	struct wfq_entity n, old, ahead, mid;
	struct wfq_queue q;
	const uint64_t min = 100 * WFQ_WAKE_CREDIT;

	wfq_init(&q);
	q.min_vruntime = min;
	wfq_entity_init(&n, 1);
	wfq_enqueue(&q, &n); /* new: exactly min_vruntime, whatever it held */
	CHECK_UEQ(n.vruntime, min);
	CHECK(n.placed);
	ent_at(&old, 1, 5); /* slept long: only WFQ_WAKE_CREDIT of head start */
	wfq_enqueue(&q, &old);
	CHECK_UEQ(old.vruntime, min - WFQ_WAKE_CREDIT);
	ent_at(&ahead, 1, min + 12345); /* ahead: keeps its vruntime */
	wfq_enqueue(&q, &ahead);
	CHECK_UEQ(ahead.vruntime, min + 12345);
	ent_at(&mid, 1, min - WFQ_WAKE_CREDIT / 2); /* inside the credit: kept */
	wfq_enqueue(&q, &mid);
	CHECK_UEQ(mid.vruntime, min - WFQ_WAKE_CREDIT / 2);
	CHECK(wfq_first(&q) == &old);
	/* Near zero, the floor wraps below 0 and the compare still holds. */
	struct wfq_queue z;
	struct wfq_entity w;
	wfq_init(&z);
	ent_at(&w, 1, 3);
	wfq_enqueue(&z, &w);
	CHECK_UEQ(w.vruntime, 3);
	CHECK(wfq_validate(&q) && wfq_validate(&z));
}

TEST(remove_arbitrary_entities)
{
	enum { N = 257 };
	static struct wfq_entity e[N];
	static int perm[N];
	struct wfq_queue q;

	wfq_init(&q);
	for (int i = 0; i < N; i++) {
		ent_at(&e[i], 1 + i % 5, rng_next() % 1000); /* many equal keys */
		wfq_enqueue(&q, &e[i]);
		perm[i] = i;
	}
	CHECK(wfq_validate(&q));
	for (int i = N - 1; i > 0; i--) {
		int j = (int)(rng_next() % (uint32_t)(i + 1)), t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (int i = 0; i < N; i++) {
		wfq_dequeue(&q, &e[perm[i]]);
		CHECK(!e[perm[i]].queued);
		CHECK(wfq_validate(&q));
		CHECK_EQ(wfq_nr(&q), N - 1 - i);
	}
	CHECK(wfq_first(&q) == NULL);
	CHECK_UEQ(q.load_weight, 0);
	wfq_dequeue(&q, &e[0]); /* on no queue: no-op */
	CHECK(wfq_validate(&q));
}

TEST(wraparound_ordering)
{
	struct wfq_entity a, b, c;
	struct wfq_queue q;

	wfq_init(&q);
	q.min_vruntime = UINT64_MAX - 100;
	ent_at(&a, 1, UINT64_MAX - 50);
	ent_at(&b, 1, 20); /* 71 past a, after the wrap */
	ent_at(&c, 1, UINT64_MAX - 90);
	wfq_enqueue(&q, &b);
	wfq_enqueue(&q, &a);
	wfq_enqueue(&q, &c);
	CHECK(wfq_pop_first(&q) == &c);
	CHECK(wfq_pop_first(&q) == &a);
	CHECK_UEQ(q.min_vruntime, 20);
	CHECK(wfq_pop_first(&q) == &b);
	/* Charging across the wrap keeps min_vruntime moving forward. */
	wfq_set_curr(&q, &b);
	ent_at(&a, 1, UINT64_MAX - 5);
	q.min_vruntime = UINT64_MAX - 5;
	wfq_set_curr(&q, &a);
	wfq_charge(&q, &a, 1);
	CHECK_UEQ(a.vruntime, WFQ_WEIGHT_UNIT - 6);
	CHECK_UEQ(q.min_vruntime, WFQ_WEIGHT_UNIT - 6);
	/* The model agrees through thousands of operations started just below 2^64. */
	struct wfqm m;
	wfqm_init(&m, UINT64_MAX - 3 * WFQ_WAKE_CREDIT);
	for (int i = 0; i < 20000; i++)
		CHECK(wfqm_step(&m, (uint8_t)rng_next(), (uint8_t)rng_next(), (uint8_t)rng_next()));
}

TEST(slice_rule)
{
	struct wfq_entity c, f;
	struct wfq_queue q;

	wfq_init(&q);
	CHECK(!wfq_should_preempt(&q, SLICE_NS, SLICE_NS)); /* nothing waits */
	ent_at(&f, 1, 0);
	wfq_enqueue(&q, &f);
	CHECK(wfq_should_preempt(&q, 0, SLICE_NS)); /* idle runs, work waits */
	ent_at(&c, 1, WFQ_GRANULARITY + 1);
	wfq_set_curr(&q, &c);
	CHECK(!wfq_should_preempt(&q, SLICE_NS - 1, SLICE_NS)); /* slice not used up */
	CHECK(wfq_should_preempt(&q, SLICE_NS, SLICE_NS));
	c.vruntime = WFQ_GRANULARITY; /* ahead by exactly the granularity: keeps running */
	CHECK(!wfq_should_preempt(&q, 10 * SLICE_NS, SLICE_NS));
	c.vruntime = 0;
	CHECK(!wfq_should_preempt(&q, 10 * SLICE_NS, SLICE_NS));
}

TEST(migration_renormalises)
{
	struct wfq_queue src, dst;
	struct wfq_entity a, b, s;

	wfq_init(&src);
	wfq_init(&dst);
	src.min_vruntime = 1000000;
	dst.min_vruntime = 50;
	ent_at(&a, 2, 1000000 + 777);
	ent_at(&b, 1, 1000000 + 5);
	wfq_enqueue(&src, &b);
	wfq_enqueue(&src, &a);
	CHECK_UEQ(src.min_vruntime, 1000000 + 5);
	wfq_migrate(&src, &dst, &a);
	CHECK_UEQ(a.vruntime, 50 + 777 - 5); /* its lag behind src's min, kept on dst */
	CHECK(a.queued);
	CHECK_UEQ(dst.load_weight, 2);
	CHECK_UEQ(src.load_weight, 1);
	CHECK_EQ(wfq_nr(&src), 1);
	CHECK(wfq_first(&dst) == &a);
	CHECK(wfq_validate(&src) && wfq_validate(&dst));
	/* A sleeper moving queues keeps its lag (here behind the floor: credit). */
	ent_at(&s, 1, src.min_vruntime - 10);
	wfq_renormalise(&s, &src, &dst);
	CHECK_UEQ(s.vruntime, dst.min_vruntime - 10);
}

static struct wfq_balance balance(const struct wfq_cpu_load *l, uint32_t n, uint32_t self)
{
	return wfq_balance_decide(l, n, self);
}

TEST(balance_imbalanced)
{
	struct wfq_cpu_load l[3] = { { 0, 0 }, { 4, 4 }, { 2, 2 } };
	struct wfq_balance r = balance(l, 3, 0);

	CHECK_EQ(r.src, 1); /* the busiest by weight */
	CHECK_UEQ(r.count, 2);
	/* A busy CPU steals half the count difference from a clearly heavier one. */
	struct wfq_cpu_load m[2] = { { 1, 1 }, { 7, 7 } };
	r = balance(m, 2, 0);
	CHECK_EQ(r.src, 1);
	CHECK_UEQ(r.count, 3);
	/* Bounded per pass. */
	struct wfq_cpu_load big[2] = { { 0, 0 }, { 100, 100 } };
	r = balance(big, 2, 0);
	CHECK_UEQ(r.count, WFQ_BALANCE_MAX_MOVE);
}

TEST(balance_balanced_single_and_margin)
{
	struct wfq_cpu_load eq[2] = { { 3, 3 }, { 3, 3 } };
	struct wfq_cpu_load one[2] = { { 0, 0 }, { 16, 1 } };	 /* only its running entity */
	struct wfq_cpu_load close[2] = { { 10, 2 }, { 12, 4 } }; /* +2 entities, +20% weight */
	struct wfq_cpu_load light[2] = { { 16, 1 }, { 2, 2 } };	 /* heavier by weight here */

	CHECK_EQ(balance(eq, 2, 0).src, WFQ_BALANCE_NONE);
	CHECK_EQ(balance(eq, 2, 1).src, WFQ_BALANCE_NONE);
	CHECK_EQ(balance(one, 2, 0).src, WFQ_BALANCE_NONE);
	CHECK_EQ(balance(close, 2, 0).src, WFQ_BALANCE_NONE);
	CHECK_EQ(balance(light, 2, 0).src, WFQ_BALANCE_NONE);
	CHECK_EQ(balance(light, 2, 1).src, WFQ_BALANCE_NONE);
	CHECK_EQ(balance(eq, 2, 2).src, WFQ_BALANCE_NONE); /* self out of range */
	CHECK_EQ(balance(eq, 1, 0).src, WFQ_BALANCE_NONE); /* one CPU */
}

TEST(balance_hysteresis_no_ping_pong)
{
	/* Exhaustive over small loads with equal weights per entity: after applying a
	 * decision, neither side wants to move anything back. */
	for (uint32_t a = 0; a <= 12; a++)
		for (uint32_t b = 0; b <= 12; b++) {
			struct wfq_cpu_load l[2] = { { a, a }, { b, b } };
			struct wfq_balance r = balance(l, 2, 0);

			if (r.src == WFQ_BALANCE_NONE)
				continue;
			CHECK_EQ(r.src, 1);
			CHECK(r.count >= 1 && r.count < b);
			l[0].nr += r.count;
			l[0].weight += r.count;
			l[1].nr -= r.count;
			l[1].weight -= r.count;
			CHECK_EQ(balance(l, 2, 1).src, WFQ_BALANCE_NONE);
			CHECK(l[1].nr >= l[0].nr);
		}
}

/*
 * Simulates `n` always-runnable entities with weights w[] on one queue for `ticks`
 * ticks of TICK_NS, charging the running one each tick and switching by the slice
 * rule; checks each entity's share is within ±2% of w[i] / sum(w).
 */
static void fairness_run(const uint32_t *w, int n, int ticks)
{
	static struct wfq_entity e[64];
	static uint64_t ran[64];
	struct wfq_queue q;
	uint64_t total = 0, sum_w = 0, since = 0;

	wfq_init(&q);
	for (int i = 0; i < n; i++) {
		wfq_entity_init(&e[i], w[i]);
		wfq_enqueue(&q, &e[i]);
		ran[i] = 0;
		sum_w += w[i];
	}
	struct wfq_entity *cur = wfq_pop_first(&q);
	wfq_set_curr(&q, cur);
	for (int t = 0; t < ticks; t++) {
		wfq_charge(&q, cur, TICK_NS);
		ran[cur - e] += TICK_NS;
		since += TICK_NS;
		total += TICK_NS;
		if (wfq_should_preempt(&q, since, SLICE_NS)) {
			wfq_enqueue(&q, cur);
			cur = wfq_pop_first(&q);
			wfq_set_curr(&q, cur);
			since = 0;
		}
	}
	CHECK(wfq_validate(&q));
	for (int i = 0; i < n; i++) {
		double share = (double)ran[i] / (double)total;
		double want = (double)w[i] / (double)sum_w;

		if (share < want * 0.98 || share > want * 1.02)
			test_fail(__FILE__, __LINE__, "entity %d weight %u: share %.4f, want %.4f",
				  i, w[i], share, want);
	}
}

TEST(fairness_weights_1_2)
{
	static const uint32_t w[] = { 1, 2 };

	fairness_run(w, 2, 60000); /* 10 simulated minutes */
}

TEST(fairness_weights_1_2_4)
{
	static const uint32_t w[] = { 1, 2, 4 };

	fairness_run(w, 3, 60000);
}

TEST(fairness_many_entities)
{
	uint32_t w[48];

	for (int i = 0; i < 48; i++)
		w[i] = 1 + rng_next() % 16;
	fairness_run(w, 48, 400000);
}

TEST(fairness_heavy_vs_light_edges)
{
	static const uint32_t w[] = { 1, WFQ_WEIGHT_MAX / 64 };

	fairness_run(w, 2, 200000);
}

TEST(random_sequences_match_model)
{
	for (int run = 0; run < 50; run++) {
		struct wfqm m;

		wfqm_init(&m, (uint64_t)rng_next() << 32);
		for (int i = 0; i < 4000; i++)
			if (!wfqm_step(&m, (uint8_t)rng_next(), (uint8_t)rng_next(),
				       (uint8_t)rng_next())) {
				test_fail(__FILE__, __LINE__, "run %d step %d disagrees", run, i);
				return;
			}
	}
}
