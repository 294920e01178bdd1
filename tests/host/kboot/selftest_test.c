/*
 * Host tests of the self-test selection (kernel/selftest_parse.c) on top of kmem's
 * command-line parser: known names select their test (also after QEMU's Multiboot1
 * kernel-file-name word), absence selects none, and bare, empty, unknown or oversized
 * values are CAPOS_ERR_INVALID so a typo can never silently skip a fault test.
 */
#include "test.h"

#include <capos/error.h>
#include <kernel/selftest.h>

static int sel(const char *cmdline, enum selftest_kind *k)
{
	*k = (enum selftest_kind)99;
	return selftest_from_cmdline(cmdline, k);
}

TEST(selftest_known_names)
{
	enum selftest_kind k;
	CHECK_EQ(sel("selftest=pf", &k), CAPOS_OK);
	CHECK_EQ(k, SELFTEST_PF);
	CHECK_EQ(sel("selftest=gp", &k), CAPOS_OK);
	CHECK_EQ(k, SELFTEST_GP);
	CHECK_EQ(sel("selftest=df", &k), CAPOS_OK);
	CHECK_EQ(k, SELFTEST_DF);
	CHECK_EQ(sel("selftest=stack", &k), CAPOS_OK);
	CHECK_EQ(k, SELFTEST_STACK);
	CHECK_EQ(sel("selftest=nmi", &k), CAPOS_OK);
	CHECK_EQ(k, SELFTEST_NMI);
}

TEST(selftest_after_mb1_kernel_file_name)
{
	enum selftest_kind k;
	CHECK_EQ(sel("build/capos.elf selftest=df quiet", &k), CAPOS_OK);
	CHECK_EQ(k, SELFTEST_DF);
	CHECK_EQ(sel("selftest=pf selftest=gp", &k), CAPOS_OK); /* last wins */
	CHECK_EQ(k, SELFTEST_GP);
}

TEST(selftest_absent_is_none)
{
	enum selftest_kind k;
	CHECK_EQ(sel("", &k), CAPOS_OK);
	CHECK_EQ(k, SELFTEST_NONE);
	CHECK_EQ(sel("build/capos.elf quiet selftests=pf xselftest=gp", &k), CAPOS_OK);
	CHECK_EQ(k, SELFTEST_NONE);
}

TEST(selftest_bad_values_are_invalid)
{
	enum selftest_kind k;
	CHECK_EQ(sel("selftest", &k), CAPOS_ERR_INVALID);
	CHECK_EQ(k, SELFTEST_NONE);
	CHECK_EQ(sel("selftest=", &k), CAPOS_ERR_INVALID);
	CHECK_EQ(sel("selftest=PF", &k), CAPOS_ERR_INVALID);
	CHECK_EQ(sel("selftest=p", &k), CAPOS_ERR_INVALID);
	CHECK_EQ(sel("selftest=pff", &k), CAPOS_ERR_INVALID);
	CHECK_EQ(sel("selftest=stac", &k), CAPOS_ERR_INVALID);
	CHECK_EQ(sel("selftest=nm", &k), CAPOS_ERR_INVALID);
	CHECK_EQ(sel("selftest=nmis", &k), CAPOS_ERR_INVALID);
	CHECK_EQ(sel("selftest=stackguard", &k), CAPOS_ERR_INVALID); /* kmem's, not ours */
	CHECK_EQ(sel("selftest=stackguardstackguardstackguard", &k), CAPOS_ERR_INVALID);
	CHECK_EQ(k, SELFTEST_NONE);
}
