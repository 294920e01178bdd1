/*
 * Host tests of the resource ledger (kernel/include/kernel/ledger.h): per-class limits
 * and typed quota errors, the reserve/release arithmetic at the edges, and the
 * hold/commit/drop protocol on success and failure paths.
 */
#include <stdint.h>

#include <kernel/ledger.h>

#include "../test.h"

static struct ledger ledger_with(enum ledger_class c, uint64_t limit)
{
	struct ledger l = { 0 };

	for (unsigned i = 0; i < LEDGER_CLASS_COUNT; i++)
		l.limit[i] = UINT64_MAX;
	l.limit[c] = limit;
	return l;
}

TEST(reserve_up_to_the_limit_then_typed_error)
{
	struct ledger l = ledger_with(LEDGER_FRAMES, 10);

	CHECK_EQ(ledger_reserve(&l, LEDGER_FRAMES, 7), CAPOS_OK);
	CHECK_EQ(ledger_reserve(&l, LEDGER_FRAMES, 4), CAPOS_ERR_QUOTA_FRAMES);
	CHECK_UEQ(l.used[LEDGER_FRAMES], 7); /* a refused charge changes nothing */
	CHECK_EQ(ledger_reserve(&l, LEDGER_FRAMES, 3), CAPOS_OK);
	CHECK_UEQ(ledger_room(&l, LEDGER_FRAMES), 0);
	CHECK_EQ(ledger_reserve(&l, LEDGER_FRAMES, 1), CAPOS_ERR_QUOTA_FRAMES);
	CHECK_EQ(ledger_reserve(&l, LEDGER_FRAMES, 0), CAPOS_OK);
	CHECK_UEQ(l.peak[LEDGER_FRAMES], 10);
}

TEST(each_class_has_its_own_error)
{
	static const int want[LEDGER_CLASS_COUNT] = {
		CAPOS_ERR_QUOTA_CAP_SLOTS, CAPOS_ERR_QUOTA_FRAMES,
		CAPOS_ERR_QUOTA_VIRTUAL,   CAPOS_ERR_QUOTA_RING_SCRATCH,
		CAPOS_ERR_QUOTA_CALLS,	   CAPOS_ERR_QUOTA_CHILDREN,
		CAPOS_ERR_QUOTA_THREADS,   CAPOS_ERR_QUOTA_KERNEL_MEMORY,
	};

	for (unsigned c = 0; c < LEDGER_CLASS_COUNT; c++) {
		struct ledger l = ledger_with(c, 1);

		CHECK_EQ(ledger_reserve(&l, c, 2), want[c]);
		CHECK_EQ(ledger_reserve(&l, c, 1), CAPOS_OK);
		for (unsigned o = 0; o < LEDGER_CLASS_COUNT; o++)
			CHECK_UEQ(l.used[o], o == c ? 1 : 0); /* classes are independent */
	}
	CHECK_EQ(ledger_quota_error(LEDGER_CLASS_COUNT), CAPOS_ERR_INVALID);
}

TEST(huge_requests_do_not_wrap)
{
	struct ledger l = ledger_with(LEDGER_VIRTUAL, UINT64_MAX - 1);

	CHECK_EQ(ledger_reserve(&l, LEDGER_VIRTUAL, 2), CAPOS_OK);
	CHECK_EQ(ledger_reserve(&l, LEDGER_VIRTUAL, UINT64_MAX), CAPOS_ERR_QUOTA_VIRTUAL);
	CHECK_EQ(ledger_reserve(&l, LEDGER_VIRTUAL, UINT64_MAX - 3), CAPOS_OK);
	CHECK_UEQ(l.used[LEDGER_VIRTUAL], UINT64_MAX - 1);
	CHECK_EQ(ledger_reserve(&l, LEDGER_VIRTUAL, 1), CAPOS_ERR_QUOTA_VIRTUAL);
}

TEST(unknown_class_is_refused)
{
	struct ledger l = ledger_with(LEDGER_FRAMES, 1);

	CHECK_EQ(ledger_reserve(&l, (enum ledger_class)LEDGER_CLASS_COUNT, 1), CAPOS_ERR_INVALID);
	ledger_release(&l, (enum ledger_class)LEDGER_CLASS_COUNT, 1);
	CHECK_UEQ(l.underflows, 0);
}

TEST(release_returns_room_and_counts_underflow)
{
	struct ledger l = ledger_with(LEDGER_CALLS, 4);

	CHECK_EQ(ledger_reserve(&l, LEDGER_CALLS, 4), CAPOS_OK);
	ledger_release(&l, LEDGER_CALLS, 3);
	CHECK_UEQ(l.used[LEDGER_CALLS], 1);
	CHECK_UEQ(l.peak[LEDGER_CALLS], 4);
	CHECK_UEQ(l.underflows, 0);
	ledger_release(&l, LEDGER_CALLS, 2); /* one more than charged: a kernel bug */
	CHECK_UEQ(l.used[LEDGER_CALLS], 0);
	CHECK_UEQ(l.underflows, 1);
}

TEST(hold_commit_keeps_the_charge)
{
	struct ledger l = ledger_with(LEDGER_CHILDREN, 2);
	struct ledger_hold h;

	CHECK_EQ(ledger_hold(&l, LEDGER_CHILDREN, 1, &h), CAPOS_OK);
	CHECK_UEQ(l.used[LEDGER_CHILDREN], 1); /* reserved before any side effect */
	ledger_commit(&h);
	ledger_drop(&h); /* the cleanup path runs on success too: no-op */
	CHECK_UEQ(l.used[LEDGER_CHILDREN], 1);
	CHECK_UEQ(l.underflows, 0);
}

TEST(hold_drop_returns_the_charge_once)
{
	struct ledger l = ledger_with(LEDGER_RING_SCRATCH, 4096);
	struct ledger_hold h;

	CHECK_EQ(ledger_hold(&l, LEDGER_RING_SCRATCH, 4096, &h), CAPOS_OK);
	CHECK_EQ(ledger_reserve(&l, LEDGER_RING_SCRATCH, 1), CAPOS_ERR_QUOTA_RING_SCRATCH);
	ledger_drop(&h);
	ledger_drop(&h);
	CHECK_UEQ(l.used[LEDGER_RING_SCRATCH], 0);
	CHECK_UEQ(l.underflows, 0);
}

TEST(failed_hold_is_empty_and_safe_to_drop)
{
	struct ledger l = ledger_with(LEDGER_THREADS, 1);
	struct ledger_hold a, b;

	CHECK_EQ(ledger_hold(&l, LEDGER_THREADS, 1, &a), CAPOS_OK);
	CHECK_EQ(ledger_hold(&l, LEDGER_THREADS, 1, &b), CAPOS_ERR_QUOTA_THREADS);
	ledger_drop(&b); /* must not return a's charge */
	CHECK_UEQ(l.used[LEDGER_THREADS], 1);
	ledger_drop(&a);
	CHECK_UEQ(l.used[LEDGER_THREADS], 0);
	CHECK_UEQ(l.underflows, 0);
}

TEST(frame_wrappers_answer_the_typed_quota_error)
{
	struct ledger l = ledger_with(LEDGER_FRAMES, 1);

	CHECK_EQ(ledger_charge_frames(&l, 1), CAPOS_OK);
	CHECK_EQ(ledger_charge_frames(&l, 1), CAPOS_ERR_QUOTA_FRAMES);
	ledger_release_frames(&l, 1);
	CHECK_UEQ(l.used[LEDGER_FRAMES], 0);
}
