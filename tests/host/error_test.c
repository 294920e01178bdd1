/* Host tests of the error vocabulary (include/capos/error.h). */
#include "test.h"

#include <capos/error.h>

#define ERR_VALUE(name, value, desc) value,
static const int all_codes[] = { CAPOS_ERRORS(ERR_VALUE) };
#undef ERR_VALUE

TEST(error_success_is_zero_and_errors_negative)
{
	CHECK_EQ(all_codes[0], CAPOS_OK);
	for (unsigned i = 1; i < sizeof(all_codes) / sizeof(all_codes[0]); i++)
		CHECK(all_codes[i] < 0);
}

TEST(error_names_round_trip)
{
	CHECK_STREQ(capos_error_name(CAPOS_ERR_NO_MEMORY), "CAPOS_ERR_NO_MEMORY");
	CHECK_STREQ(capos_error_name(CAPOS_OK), "CAPOS_OK");
	CHECK_STREQ(capos_error_name(12345), "unknown");
}
