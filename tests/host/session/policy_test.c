/*
 * user/broker/policy.c on the host: `<profile>.<name>` parsing, loading a CapSet page
 * (per-profile order, bounds, malformed names), the per-session root table.
 */
#include "../test.h"

#include <stdio.h>

#include <capos/capset.h>
#include <capos/error.h>

#include "../../../user/broker/policy.h"

static struct capos_capset_page page;
static struct broker_policy pol;

static void page_init(void)
{
	memset(&page, 0, sizeof(page));
	page.hdr.magic = CAPOS_CAPSET_MAGIC;
	page.hdr.version = CAPOS_ABI_VERSION;
	page.hdr.entry_size = CAPOS_CAPSET_ENTRY_SIZE;
}

static void page_add(const char *name, uint64_t iid, uint32_t cap)
{
	struct capos_capset_entry *e = &page.entries[page.hdr.count++];

	snprintf(e->name, sizeof(e->name), "%s", name);
	e->interface_id = iid;
	e->cap = cap;
}

TEST(broker_policy_parse_names)
{
	const char *name;
	uint32_t pr = 9, len = 0;

	CHECK_EQ(broker_policy_parse("operator.echo", &pr, &name, &len), 1);
	CHECK_EQ(pr, 2);
	CHECK_EQ(len, 4);
	CHECK(strcmp(name, "echo") == 0);
	CHECK_EQ(broker_policy_parse("anonymous.a.b", &pr, &name, &len), 1);
	CHECK_EQ(pr, 0);
	CHECK(strcmp(name, "a.b") == 0);
	CHECK_EQ(broker_policy_parse("guest.x", &pr, &name, &len), 1);
	CHECK_EQ(pr, 1);
	CHECK_EQ(broker_policy_parse("console", &pr, &name, &len), 0);
	CHECK_EQ(broker_policy_parse("operators.x", &pr, &name, &len), 0);
	CHECK_EQ(broker_policy_parse("admin.x", &pr, &name, &len), 0);
	CHECK_EQ(broker_policy_parse("guest", &pr, &name, &len), 0);
	CHECK_EQ(broker_policy_parse("guest.", &pr, &name, &len), CAPOS_ERR_BROKER_POLICY);
	CHECK_EQ(broker_policy_parse("guest.0123456789012345678901234567890123456789x", &pr, &name,
				     &len),
		 CAPOS_ERR_BROKER_POLICY); /* 41 bytes */
	CHECK(strcmp(broker_profile_name(2), "operator") == 0);
	CHECK(strcmp(broker_profile_name(3), "?") == 0);
}

TEST(broker_policy_load_page)
{
	page_init();
	page_add("console", 1, 10);
	page_add("operator.timer", 2, 11);
	page_add("guest.echo", 3, 12);
	page_add("operator.echo", 3, 13);
	page_add("capmgr", 4, 14);
	CHECK_EQ(broker_policy_load(&pol, &page), 0);
	CHECK_EQ(pol.count[0], 0);
	CHECK_EQ(pol.count[1], 1);
	CHECK_EQ(pol.count[2], 2);
	CHECK(strcmp(pol.grants[2][0].name, "timer") == 0);
	CHECK_EQ(pol.grants[2][0].cap, 11);
	CHECK_UEQ(pol.grants[2][1].interface_id, 3);
	CHECK_EQ(pol.grants[2][1].name_len, 4);
	page_add("guest.", 5, 15);
	CHECK_EQ(broker_policy_load(&pol, &page), CAPOS_ERR_BROKER_POLICY);
	page.hdr.magic = 0;
	CHECK_EQ(broker_policy_load(&pol, &page), CAPOS_ERR_INVALID);
}

TEST(broker_policy_profile_bound)
{
	char name[32];

	page_init();
	for (uint32_t i = 0; i <= BROKER_POLICY_MAX; i++) {
		snprintf(name, sizeof(name), "guest.c%u", (unsigned)i);
		page_add(name, 1, i + 1);
	}
	CHECK_EQ(broker_policy_load(&pol, &page), CAPOS_ERR_BROKER_POLICY);
	page.hdr.count--;
	CHECK_EQ(broker_policy_load(&pol, &page), 0);
	CHECK_EQ(pol.count[1], BROKER_POLICY_MAX);
}

TEST(broker_session_table)
{
	static struct broker_sessions t;
	struct broker_session *s = NULL, *again = NULL;

	memset(&t, 0, sizeof(t));
	CHECK_EQ(broker_session_get(&t, 0, 1, &s), CAPOS_ERR_INVALID);
	CHECK_EQ(broker_session_get(&t, 5, 3, &s), CAPOS_ERR_BROKER_PROFILE);
	CHECK_EQ(broker_session_get(&t, 5, 1, &s), 0);
	s->nroots = 2;
	CHECK_EQ(broker_session_get(&t, 5, 1, &again), 0);
	CHECK(again == s);
	CHECK_EQ(again->nroots, 2); /* same grants: the roots are kept */
	CHECK_EQ(broker_session_get(&t, 5, 2, &again), CAPOS_ERR_BROKER_PROFILE);
	for (uint64_t id = 6; id < 5 + BROKER_SESSIONS; id++)
		CHECK_EQ(broker_session_get(&t, id, 0, &again), 0);
	CHECK_EQ(broker_session_get(&t, 100, 0, &again), CAPOS_ERR_BROKER_SESSIONS_FULL);
	CHECK(broker_session_find(&t, 5) == s);
	broker_session_free(s);
	CHECK(broker_session_find(&t, 5) == NULL);
	CHECK(broker_session_find(&t, 0) == NULL);
	CHECK_EQ(broker_session_get(&t, 100, 0, &again), 0);
}
