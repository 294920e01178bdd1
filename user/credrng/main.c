/*
 * credrng: a scripted EntropySource double for the CredentialStore's hostile boot test
 * (tests/qemu/cred_tests.py "cred-hostile", system/tests/credhostile.capnp). It serves
 * EntropySource on its endpoint `api`, which init grants to user/credstore as its
 * `entropy` cap, and answers the store's calls in a fixed order so that every way a
 * salt source can fail is seen by the store:
 *   call 1  the `count` bytes asked (the store's dummy verifier at start-up)
 *   call 2  15 bytes, whatever was asked (a wrong-size answer)
 *   call 3  refused: failed CAPOS_ERR_ENTROPY_UNSEEDED (as the kernel's before seeding)
 *   later   the `count` bytes asked
 * The bytes are a fixed pattern: this double only ever stands in for the kernel's
 * source in this test, never in a system manifest. Exits 0 when the endpoint closes.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <capos/error.h>
#include <libcapos/capset.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <libcapos/server.h>
#include <schema/capos.capnp.h>

#define RNG_SHORT 15u /* call 2's answer length */
#define RNG_MAX 256u  /* EntropySource's bound on count */

static struct capos_server rng_srv;
static uint32_t rng_calls;

static int rng_get_bytes(void *self, const struct capos_EntropySource_getBytes_Params_r *p,
			 struct capos_EntropySource_getBytes_Results_b *r)
{
	uint8_t buf[RNG_MAX];
	uint32_t n = capos_EntropySource_getBytes_Params_get_count(p);

	(void)self;
	rng_calls++;
	if (n == 0 || n > RNG_MAX)
		return capos_server_fail(&rng_srv, capos_ExceptionType_invalidArgument,
					 CAPOS_ERR_ENTROPY_COUNT, "count");
	if (rng_calls == 3) {
		printf("credrng: call 3 (%u bytes): refused, unseeded\n", (unsigned)n);
		return capos_server_fail(&rng_srv, capos_ExceptionType_failed,
					 CAPOS_ERR_ENTROPY_UNSEEDED, "unseeded");
	}
	if (rng_calls == 2)
		n = RNG_SHORT;
	for (uint32_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(rng_calls * 31u + i * 7u);
	printf("credrng: call %u: %u bytes\n", (unsigned)rng_calls, (unsigned)n);
	return capos_EntropySource_getBytes_Results_set_data(r, buf, n);
}

static const struct capos_EntropySource_server rng_server = { .getBytes = rng_get_bytes };

static int rng_dispatch(void *self, uint16_t method, struct capnp_msg *params,
			struct capnp_builder *results)
{
	return capos_EntropySource_dispatch(&rng_server, self, method, params, results);
}

static const struct capos_server_iface rng_ifaces[] = {
	{ capos_EntropySource_TYPE_ID, capos_EntropySource_METHOD_COUNT, rng_dispatch, NULL },
};

int main(void)
{
	const struct capos_capset_page *cs = (const void *)capos_boot.capset;
	struct capos_ring_client *ring;
	uint32_t ep;
	int err = capos_ring_self(&ring);

	if (err == 0)
		err = capos_capset_lookup(cs, "api", capos_Endpoint_TYPE_ID, &ep);
	if (err == 0)
		err = capos_server_init(&rng_srv, rng_ifaces, 1);
	if (err == 0)
		err = capos_server_run(&rng_srv, ring, ep);
	if (err) {
		printf("credrng: stopped: %s\n", capos_error_name(err));
		return 1;
	}
	return 0;
}
