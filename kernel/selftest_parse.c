/*
 * Self-test selection from the command line (kernel/selftest.h). Pure; uses kmem's
 * cmdline parser; host-tested by tests/host/kboot/selftest_test.c.
 */
#include <kernel/selftest.h>

#include <capos/error.h>
#include <kernel/cmdline.h>

static const struct {
	const char *name;
	enum selftest_kind kind;
} selftest_names[] = {
	{ "pf", SELFTEST_PF },	     { "gp", SELFTEST_GP },   { "df", SELFTEST_DF },
	{ "stack", SELFTEST_STACK }, { "nmi", SELFTEST_NMI },
};

int selftest_from_cmdline(const char *cmdline, enum selftest_kind *out)
{
	char name[16];
	*out = SELFTEST_NONE;
	int r = cmdline_get_str(cmdline, "selftest", name, sizeof(name));
	if (r == CAPOS_ERR_NOT_FOUND && !cmdline_has(cmdline, "selftest"))
		return CAPOS_OK;
	if (r != CAPOS_OK)
		return CAPOS_ERR_INVALID;
	for (unsigned i = 0; i < sizeof(selftest_names) / sizeof(selftest_names[0]); i++) {
		const char *a = selftest_names[i].name, *b = name;
		while (*a && *a == *b)
			a++, b++;
		if (*a == '\0' && *b == '\0') {
			*out = selftest_names[i].kind;
			return CAPOS_OK;
		}
	}
	return CAPOS_ERR_INVALID;
}
