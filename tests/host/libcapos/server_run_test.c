/*
 * Host tests of capos_server_run_until (lib/libcapos/server_ring.c, unmodified, with the
 * real ring client; the ring page laid out by the kernel's ring_init) against a
 * stand-in kernel that models the race which hung stdio-streams@smp4: the awaited
 * completion (a ProcessHandle.wait, here a NOP whose completion the kernel holds) is
 * posted while the server runtime is between two looks at the ring, as a child ending
 * on another CPU does. This file defines capos_sys_cap_enter: it consumes SQEs (RECV and
 * the awaited op are held, not completed), posts the held completion at the k-th
 * cap_enter, and treats a cap_enter that would sleep as the real kernel does: it sleeps
 * until the next event, so the held completion (if still held) is posted then; a sleep
 * with nothing left to post and nothing in the CQ is a deadlock (counted, returns 0).
 * Positive: for every injection point k the awaited CQE is returned, the RECV stays in
 * flight, and no cap_enter ever sleeps on an empty CQ while the completion sits in the
 * client's stash. Hostile twins with exact statuses: the RECV ends first with
 * CAPOS_ERR_EP_DISCONNECTED (returned; the awaited CQE is not lost), a corrupted CQ
 * tail (CAPOS_ERR_RING_CORRUPT).
 */
#include "test.h"

#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <libcapos/server.h>
#include <libcapos/sys.h>

#include <capos/error.h>
#include <capos/syscall.h>
#include <kernel/ring.h>
#include <string.h>

#define SR_EP 0x00020005u
#define SR_WAIT_UD UINT64_C(0x5744000000000001) /* the awaited op, as user/stdiotest's */

struct capos_boot capos_boot;
__thread uintptr_t capos_thread_ring;

static _Alignas(4096) struct capos_ring sr_ring;
static uint32_t sr_sq_head, sr_cq_tail;
static uint32_t sr_enters, sr_inject_at, sr_deadlocks;
static struct capos_sqe sr_recv, sr_wait; /* held SQEs (opcode 0xff: none held) */
static int sr_recv_status;		  /* nonzero: the RECV completes with it at once */
static uint32_t sr_corrupt_at;		  /* this cap_enter publishes a bogus cq_tail */

static void sr_post(const struct capos_sqe *s, int status)
{
	struct capos_cqe *e = &sr_ring.cq[sr_cq_tail & CAPOS_RING_CQ_MASK];

	memset(e, 0, sizeof(*e));
	e->user_data = s->user_data;
	e->status = status;
	sr_cq_tail++;
	__atomic_store_n(&sr_ring.hdr.cq_tail, sr_cq_tail, __ATOMIC_RELEASE);
}

/* Posts the held awaited completion, if it is still held; true if it posted. */
static bool sr_post_wait(void)
{
	if (sr_wait.opcode == 0xff)
		return false;
	sr_post(&sr_wait, CAPOS_OK);
	sr_wait.opcode = 0xff;
	return true;
}

static void sr_take(const struct capos_sqe *s)
{
	if (s->opcode == CAPOS_OP_RECV && sr_recv_status)
		sr_post(s, sr_recv_status);
	else if (s->opcode == CAPOS_OP_RECV)
		sr_recv = *s;
	else
		sr_wait = *s;
}

int64_t capos_sys_cap_enter(uint64_t min_complete, uint64_t timeout_ns)
{
	uint32_t tail = __atomic_load_n(&sr_ring.hdr.sq_tail, __ATOMIC_ACQUIRE);

	sr_enters++;
	while (sr_sq_head != tail) {
		struct capos_sqe s = sr_ring.sq[sr_sq_head & CAPOS_RING_SQ_MASK];

		sr_ring.hdr.sq_head = ++sr_sq_head;
		sr_take(&s);
	}
	if (sr_enters == sr_inject_at)
		(void)sr_post_wait(); /* the child ends on another CPU right now */
	if (sr_enters == sr_corrupt_at)
		__atomic_store_n(&sr_ring.hdr.cq_tail, sr_cq_tail + 1000u, __ATOMIC_RELEASE);
	uint32_t avail = sr_cq_tail - sr_ring.hdr.cq_head;

	if (avail < min_complete && timeout_ns == CAPOS_TIMEOUT_INFINITE) {
		/* The real kernel sleeps until the next completion: the held one, if any. */
		if (!sr_post_wait())
			sr_deadlocks++; /* nothing will ever come: the thread would sleep forever */
		avail = sr_cq_tail - sr_ring.hdr.cq_head;
	}
	return avail;
}

_Noreturn void capos_sys_exit(int64_t code)
{
	(void)code;
	__builtin_trap();
}

static struct capos_ring_client *sr_client(void)
{
	static struct ring kring; /* the kernel's ring engine lays the page out */
	static struct capos_ring_client *c;

	if (capos_thread_ring == 0) {
		if (ring_init(&kring, &sr_ring, 1) != CAPOS_OK)
			return NULL;
		capos_thread_ring = (uintptr_t)&sr_ring;
	}
	if (c == NULL && capos_ring_self(&c) != CAPOS_OK)
		return NULL;
	return c;
}

/* A fresh server and the awaited op submitted without waiting (a NOP the kernel holds). */
static struct capos_ring_client *sr_start(struct capos_server *s, uint32_t inject_at)
{
	struct capos_ring_client *c = sr_client();
	struct capos_sqe *sqe;

	if (c == NULL || capos_ring_get_sqe(c, &sqe) != CAPOS_OK)
		return NULL;
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = CAPOS_OP_NOP;
	sqe->user_data = SR_WAIT_UD;
	capos_ring_submit(c);
	memset(s, 0, sizeof(*s));
	s->next_ud = 1;
	sr_enters = sr_deadlocks = sr_recv_status = 0;
	sr_corrupt_at = 0;
	sr_inject_at = inject_at;
	sr_recv.opcode = sr_wait.opcode = 0xff;
	return c;
}

/* Consumes the awaited CQE wherever it is (stash or CQ): nothing may be left behind. */
static int sr_collect(struct capos_ring_client *c)
{
	struct capos_cqe cqe;

	sr_inject_at = 0;
	return capos_ring_wait(c, SR_WAIT_UD, 0, &cqe);
}

TEST(server_run_until_sees_the_completion_at_every_point)
{
	for (uint32_t k = 1; k <= 8; k++) {
		struct capos_server s;
		struct capos_cqe out = { 0 };
		struct capos_ring_client *c = sr_start(&s, k);

		CHECK(c != NULL);
		CHECK_EQ(capos_server_run_until(&s, c, SR_EP, SR_WAIT_UD, &out), CAPOS_OK);
		CHECK_UEQ(out.user_data, SR_WAIT_UD);
		CHECK_EQ(out.status, CAPOS_OK);
		CHECK_UEQ(sr_deadlocks, 0); /* never asleep with the completion in the stash */
		CHECK(s.recv_ud != 0);	    /* the RECV stays in flight for the next serve call */
		CHECK_UEQ(sr_recv.user_data, s.recv_ud);
		CHECK_UEQ(sr_recv.cap, SR_EP);
	}
}

TEST(server_run_until_endpoint_closed_first)
{
	struct capos_server s;
	struct capos_cqe out = { 0 };
	struct capos_ring_client *c = sr_start(&s, 100);

	CHECK(c != NULL);
	sr_recv_status = CAPOS_ERR_EP_DISCONNECTED;
	CHECK_EQ(capos_server_run_until(&s, c, SR_EP, SR_WAIT_UD, &out), CAPOS_ERR_EP_DISCONNECTED);
	CHECK_UEQ(s.recv_ud, 0); /* that RECV ended */
	CHECK_UEQ(sr_deadlocks, 0);
	CHECK_EQ(sr_post_wait(), true); /* the awaited op completes later: not lost */
	CHECK_EQ(sr_collect(c), CAPOS_OK);
}

TEST(server_run_until_corrupt_cq_tail)
{
	struct capos_server s;
	struct capos_cqe out = { 0 };
	struct capos_ring_client *c = sr_start(&s, 1);

	CHECK(c != NULL);
	sr_corrupt_at = 1; /* after the awaited CQE is posted at that same cap_enter */
	CHECK_EQ(capos_server_run_until(&s, c, SR_EP, SR_WAIT_UD, &out), CAPOS_ERR_RING_CORRUPT);
	__atomic_store_n(&sr_ring.hdr.cq_tail, sr_cq_tail, __ATOMIC_RELEASE); /* repaired */
	CHECK_EQ(sr_collect(c), CAPOS_OK); /* nothing consumed from the bogus CQ */
}
