/*
 * The page user/synctest shares with its user/syncpeer children (one MemoryObject,
 * mapped by each, its SharedParkSpaces bound to it): every sync word sits at its byte
 * offset in the object, which is its SharedParkSpace key (docs/sync.md).
 */
#ifndef SYNCTEST_SHARED_H
#define SYNCTEST_SHARED_H

#include <stddef.h>
#include <stdint.h>

#define SYNC_QUEUE_SLOTS 4u
#define SYNC_ROUNDS 300u /* counter increments per process */
#define SYNC_ITEMS 400u	 /* items the producer hands the consumer */
#define SYNC_PAUSE 5000	 /* loop iterations between the read and the write */

struct sync_page {
	uint32_t lock;	     /* capos_mutex word of the counter */
	uint32_t counter;    /* incremented under `lock` by every process */
	uint32_t slow;	     /* lock acquisitions that found the mutex taken (atomic) */
	uint32_t qlock;	     /* capos_mutex word of the queue */
	uint32_t not_empty;  /* capos_cond sequence */
	uint32_t not_full;   /* capos_cond sequence */
	uint32_t head, tail; /* queue indices (free-running) */
	uint32_t items[SYNC_QUEUE_SLOTS];
	uint32_t ready;	  /* children that have bound and mapped (atomic) */
	uint32_t ping;	  /* round-trip bench (user/parkbench): round the parent started */
	uint32_t pong;	  /* round the child answered */
	uint32_t rounds;  /* rounds the child plays */
	uint32_t batched; /* hand over with capos_unpark_then_park (one cap_enter) */
};

#define SYNC_OFF(field) ((uint64_t)offsetof(struct sync_page, field))

#endif
