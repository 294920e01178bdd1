/*
 * sesschild: a child of user/sesstest holding a copy of a session bundle cap
 * (tests/qemu/session_tests.py). Granted `cap` (an Echo from the guest bundle) and
 * `ready` (an Echo facet of sesstest's own endpoint): it uses `cap` (must work), tells
 * sesstest through `ready` (sesstest logs the session out before answering), then uses
 * `cap` again, which must now fail CAPOS_ERR_CAP_REVOKED: revocation reached the copy
 * in this process. Exit 0 then; 2 if the first use failed, 3 if the second did not
 * fail that way, 1 if a cap is missing.
 */
#include <stdio.h>
#include <string.h>

#include <capos/error.h>
#include <libcapos/capset.h>
#include <libcapos/client.h>
#include <libcapos/runtime.h>
#include <schema/demo.capnp.h>

static struct capos_client_call sc_call;

static int sc_echo(uint32_t cap, const char *text)
{
	struct demo_Echo_echo_Params_b p;
	int err = capos_client_begin(&sc_call);

	if (err == CAPOS_OK)
		err = demo_Echo_echo_request(&sc_call.b, &p);
	if (err == CAPOS_OK)
		err = demo_Echo_echo_Params_set_text(&p, text, (uint32_t)strlen(text));
	return err ? err
		   : capos_client_send(&sc_call, cap, demo_Echo_TYPE_ID, demo_Echo_METHOD_echo,
				       NULL, 0);
}

int main(void)
{
	const struct capos_capset_page *cs = (const void *)capos_boot.capset;
	uint32_t cap, ready;
	int err = capos_capset_lookup(cs, "cap", demo_Echo_TYPE_ID, &cap);

	if (err == CAPOS_OK)
		err = capos_capset_lookup(cs, "ready", demo_Echo_TYPE_ID, &ready);
	if (err) {
		printf("sesschild: caps: %s\n", capos_error_name(err));
		return 1;
	}
	err = sc_echo(cap, "from a child");
	printf("sesschild: bundle copy before logout -> %s\n", capos_error_name(err));
	if (err)
		return 2;
	err = sc_echo(ready, "used");
	if (err == CAPOS_OK)
		err = sc_echo(cap, "after logout");
	printf("sesschild: bundle copy after logout -> %s\n", capos_error_name(err));
	return err == CAPOS_ERR_CAP_REVOKED ? 0 : 3;
}
