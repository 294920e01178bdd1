/*
 * libFuzzer target for the WFQ run queue (kernel/sched/wfq.c): the first 8 bytes pick
 * the starting min_vruntime (so runs begin near the 2^64 wrap too), then every 3 bytes
 * are one operation (enqueue, dequeue, pick and run, charge, set weight, block, hand
 * off, switch) applied to the real queue and to the reference model of
 * tests/host/kernel/wfq_model.c; any disagreement, broken tree invariant or sanitizer
 * report aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../host/kernel/wfq_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wfqm m;
	uint64_t min0 = 0;

	if (size >= sizeof(min0)) {
		memcpy(&min0, data, sizeof(min0));
		data += sizeof(min0);
		size -= sizeof(min0);
	}
	wfqm_init(&m, min0);
	for (; size >= 3; data += 3, size -= 3)
		if (!wfqm_step(&m, data[0], data[1], data[2]))
			abort();
	return 0;
}
