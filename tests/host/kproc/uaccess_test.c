/*
 * Host tests of the user-range check behind copy_from_user/copy_to_user
 * (uaccess_range_ok in kernel/include/kernel/uaccess.h over the ABI's
 * capos_user_range_ok): inside the user window, at both edges, straddling the end,
 * wrapping around 2^64, the null guard, the kernel half and the first non-canonical
 * address.
 */
#include "test.h"

#include <kernel/uaccess.h>

TEST(inside_the_user_window)
{
	CHECK(uaccess_range_ok(0x400000, 8));
	CHECK(uaccess_range_ok(CAPOS_USER_BASE, 1));
	CHECK(uaccess_range_ok(CAPOS_USER_END - 8, 8));
	CHECK(uaccess_range_ok(CAPOS_USER_BASE, CAPOS_USER_END - CAPOS_USER_BASE));
}

TEST(zero_length_is_judged_by_its_start)
{
	CHECK(uaccess_range_ok(0x400000, 0));
	CHECK(uaccess_range_ok(CAPOS_USER_END - 1, 0));
	CHECK(!uaccess_range_ok(CAPOS_USER_END, 0));
	CHECK(!uaccess_range_ok(0, 0));
	CHECK(!uaccess_range_ok(0xffff800000000000ull, 0));
}

TEST(straddling_the_end)
{
	CHECK(!uaccess_range_ok(CAPOS_USER_END - 8, 9));
	CHECK(!uaccess_range_ok(CAPOS_USER_END - 8, 16));
	CHECK(!uaccess_range_ok(0x7fffffffeff8ull, 0x2000));
	CHECK(!uaccess_range_ok(CAPOS_USER_BASE, CAPOS_USER_END - CAPOS_USER_BASE + 1));
}

TEST(wrapping_lengths)
{
	CHECK(!uaccess_range_ok(0x400000, UINT64_MAX));
	CHECK(!uaccess_range_ok(0x400000, UINT64_MAX - 0x400000 + 1)); /* ends at 2^64 = 0 */
	CHECK(!uaccess_range_ok(0xfffffffffffffff8ull, 16));
	CHECK(!uaccess_range_ok(0x400000, 0x8000000000000000ull));
}

TEST(null_guard_kernel_and_non_canonical)
{
	CHECK(!uaccess_range_ok(0, 8));
	CHECK(!uaccess_range_ok(CAPOS_USER_BASE - 1, 1));
	CHECK(!uaccess_range_ok(0x3ffff8, 16)); /* starts in the guard, ends inside */
	CHECK(!uaccess_range_ok(0x0000800000000000ull, 1));
	CHECK(!uaccess_range_ok(0x00007ffffffff000ull, 1)); /* the never-mapped last page */
	CHECK(!uaccess_range_ok(0xffff800000000000ull, 8));
	CHECK(!uaccess_range_ok(0xffffffff80100000ull, 8));
}

TEST(uaddr_is_a_distinct_type)
{
	struct uaddr a = UADDR(0x400000);
	CHECK_UEQ(a.v, 0x400000);
	CHECK_EQ(sizeof(a), 8);
}
