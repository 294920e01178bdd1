/*
 * user/sessmgr/sesstab.c on the host: the throttle schedule (free attempts, doubling,
 * cap), per-name tracking and clearing, table reuse; user names; session ids; the
 * session table (one active per terminal, ended entries reused, full table).
 */
#include "../test.h"

#include <capos/error.h>

#include "../../../user/sessmgr/sesstab.h"

#define S 1000000000ull

TEST(sess_throttle_schedule)
{
	CHECK_UEQ(sess_throttle_delay(0), 0);
	CHECK_UEQ(sess_throttle_delay(2), 0);
	CHECK_UEQ(sess_throttle_delay(3), 1 * S);
	CHECK_UEQ(sess_throttle_delay(4), 2 * S);
	CHECK_UEQ(sess_throttle_delay(5), 4 * S);
	CHECK_UEQ(sess_throttle_delay(9), 64 * S);
	CHECK_UEQ(sess_throttle_delay(10), SESS_THROTTLE_CAP_NS);
	CHECK_UEQ(sess_throttle_delay(200), SESS_THROTTLE_CAP_NS);
	CHECK_UEQ(sess_throttle_delay(UINT32_MAX), SESS_THROTTLE_CAP_NS);
}

TEST(sess_throttle_per_name)
{
	static struct sess_throttle t;

	memset(&t, 0, sizeof(t));
	for (int i = 0; i < 3; i++) {
		CHECK_UEQ(sess_throttle_check(&t, "bob", 3, 10 * S), 0);
		sess_throttle_fail(&t, "bob", 3, 10 * S);
	}
	CHECK_UEQ(sess_throttle_check(&t, "bob", 3, 10 * S), 1 * S);
	CHECK_UEQ(sess_throttle_check(&t, "bob", 3, 10 * S + S / 2), S / 2);
	CHECK_UEQ(sess_throttle_check(&t, "bob", 3, 11 * S), 0);
	CHECK_UEQ(sess_throttle_check(&t, "bo", 2, 10 * S), 0); /* another name */
	sess_throttle_fail(&t, "bob", 3, 11 * S);
	CHECK_UEQ(sess_throttle_check(&t, "bob", 3, 11 * S), 2 * S);
	sess_throttle_clear(&t, "bob", 3);
	CHECK_UEQ(sess_throttle_check(&t, "bob", 3, 11 * S), 0);
	sess_throttle_fail(&t, "", 0, 1); /* ignored */
	for (uint32_t i = 0; i < SESS_THROTTLE_USERS; i++)
		CHECK_EQ(t.e[i].user_len, 0);
}

TEST(sess_throttle_table_reuse)
{
	static struct sess_throttle t;
	char name[4] = "u0";

	memset(&t, 0, sizeof(t));
	for (int i = 0; i < 3; i++)
		sess_throttle_fail(&t, "old", 3, 1 * S);
	for (uint32_t i = 0; i < SESS_THROTTLE_USERS - 1; i++) {
		name[1] = (char)('0' + i);
		sess_throttle_fail(&t, name, 2, (2 + i) * S);
	}
	CHECK(sess_throttle_check(&t, "old", 3, 1 * S) > 0);
	sess_throttle_fail(&t, "new", 3, 50 * S); /* full: the oldest failure ("old") goes */
	CHECK_UEQ(sess_throttle_check(&t, "old", 3, 1 * S), 0);
	CHECK_UEQ(sess_throttle_check(&t, "u0", 2, 2 * S), 0); /* one failure: free */
}

TEST(sess_user_names)
{
	char big[SESS_USER_MAX + 1];

	memset(big, 'a', sizeof(big));
	CHECK(sess_user_ok("operator", 8));
	CHECK(sess_user_ok(big, SESS_USER_MAX));
	CHECK(!sess_user_ok(big, SESS_USER_MAX + 1));
	CHECK(!sess_user_ok("", 0));
	CHECK(!sess_user_ok("a b", 3));
	CHECK(!sess_user_ok("a\n", 2));
	CHECK(!sess_user_ok("\x7f", 1));
}

TEST(sess_ids_unique)
{
	static struct sess_table t;

	memset(&t, 0, sizeof(t));
	CHECK_UEQ(sess_id_make(&t, 0), 1);
	CHECK_UEQ(sess_id_make(&t, 0), 2);
	CHECK_UEQ(sess_id_make(&t, 0xffffffffu), (0x7fffffffull << 32) | 3);
	CHECK_UEQ(sess_id_make(&t, 0xffffffffu), (0x7fffffffull << 32) | 4); /* same random */
}

TEST(sess_table_terminals)
{
	static struct sess_table t;
	struct sess_entry *a = NULL, *b = NULL, *c = NULL;

	memset(&t, 0, sizeof(t));
	CHECK_EQ(sess_start(&t, 1, 7, 0, "", 0, 100, &a), 0);
	CHECK_EQ(sess_start(&t, 2, 8, 1, "guest", 5, 200, &b), 0);
	CHECK(sess_active_of(&t, 7) == a);
	CHECK(sess_active_of(&t, 8) == b);
	CHECK(sess_active_of(&t, 9) == NULL);
	CHECK(sess_find(&t, 2) == b);
	CHECK(sess_find(&t, 0) == NULL);
	a->active = 0;
	CHECK(sess_active_of(&t, 7) == NULL);
	CHECK(sess_find(&t, 1) == a); /* ended, still known */
	CHECK_EQ(sess_start(&t, 3, 7, 2, "x", SESS_USER_MAX + 1, 300, &c),
		 CAPOS_ERR_SESSION_USER_NAME);
	/* Fill every slot; the ended one is reused last. */
	for (uint64_t id = 3; id < 1 + SESS_SESSIONS; id++) /* the 14 free slots */
		CHECK_EQ(sess_start(&t, id, 100 + id, 0, "", 0, 300 + id, &c), 0);
	CHECK(sess_find(&t, 1) == a);
	CHECK_EQ(sess_start(&t, 50, 50, 0, "", 0, 999, &c), 0);
	CHECK(c == a); /* the ended entry's slot */
	CHECK(sess_find(&t, 1) == NULL);
	CHECK_EQ(sess_start(&t, 51, 51, 0, "", 0, 999, &c), CAPOS_ERR_SESSION_TABLE_FULL);
}
