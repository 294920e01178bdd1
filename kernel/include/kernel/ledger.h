/*
 * Per-process resource ledger (placeholder of the full resource profile): counts the
 * physical frames charged to a process (its page tables and user pages) against a
 * quota. Pure inline helpers. Lock legend: [P] owned by the process; one CPU for now.
 */
#ifndef KERNEL_LEDGER_H
#define KERNEL_LEDGER_H

#include <stdint.h>

#include <capos/error.h>

struct ledger {
	uint64_t frame_quota; /* [P] frames the process may hold at once */
	uint64_t frames_used; /* [P] frames held now */
	uint64_t frames_peak; /* [P] high-water mark, for reports */
};

/* Charge n frames. Errors: CAPOS_ERR_NO_MEMORY (quota would be exceeded; nothing
 * charged). (The ring ABI will give quota exhaustion its own transport error.) */
static inline int ledger_charge_frames(struct ledger *l, uint64_t n)
{
	if (n > l->frame_quota - l->frames_used)
		return CAPOS_ERR_NO_MEMORY;
	l->frames_used += n;
	if (l->frames_used > l->frames_peak)
		l->frames_peak = l->frames_used;
	return CAPOS_OK;
}

static inline void ledger_release_frames(struct ledger *l, uint64_t n)
{
	l->frames_used -= n < l->frames_used ? n : l->frames_used;
}

#endif
