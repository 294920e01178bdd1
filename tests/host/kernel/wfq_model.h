/*
 * Reference model of the WFQ run queue (kernel/wfq.h) for the host test and the fuzz
 * target: the same operations applied to a real queue and to a flat array scanned
 * linearly, compared after every step (tree invariants, the pick, every vruntime,
 * min_vruntime, load).
 */
#ifndef TESTS_WFQ_MODEL_H
#define TESTS_WFQ_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include <kernel/wfq.h>

#define WFQM_N 16 /* entities */

struct wfqm_ent {
	uint64_t v, seq;
	uint32_t w;
	bool queued, placed;
};

struct wfqm {
	struct wfq_queue q;
	struct wfq_entity e[WFQM_N];
	struct wfqm_ent m[WFQM_N];
	int curr; /* model's running entity, -1 for none */
	uint64_t min, next_seq;
};

/* Empty queue and model whose min_vruntime starts at `min0` (near 2^64 tests wrap). */
void wfqm_init(struct wfqm *s, uint64_t min0);

/*
 * Applies operation `op` (taken modulo the operation count: enqueue, dequeue, pick and
 * run, charge the running entity, set a weight, block the running entity, hand off to
 * an entity, switch: charge the running entity and run another or none, wfq_switch)
 * with arguments a and b to both sides. Returns false when they disagree.
 */
bool wfqm_step(struct wfqm *s, uint8_t op, uint8_t a, uint8_t b);

#endif
