/*
 * systest: init of the machine-wide caps test manifest (system/tests/sys.capnp), driven
 * by tests/qemu/sys_tests.py. It holds a Console, an EntropySource, a SystemStatus, a
 * SystemControl and a ProcessSpawner (kernel/include/kernel/ksys.h) and checks:
 *   entropy      getBytes(32) twice: 32 bytes each, different; prints the first as a
 *                sample (the suite compares two boots); getBytes(256) and (1)
 *   hostile      getBytes(0), (257), (2^32-1): CAPOS_ERR_ENTROPY_COUNT (invalidArgument);
 *                a stale id of the entropy cap: CAPOS_ERR_CAP_STALE; getBytes through
 *                the SystemStatus cap: CAPOS_ERR_CAP_WRONG_INTERFACE
 *   reseed       300 x getBytes(256) (> KRNG_RESEED_BYTES): all served (COM1: reseed)
 *   summary      SystemStatus.summary twice: the figures (judged by the suite against
 *                QEMU's -m/-smp and the manifest's motd); uptime grows
 *   no-control   itself spawned as "noctl" with only a Console: it finds no "control"
 *                in its CapSet and every SystemControl.shutdown it forges (slots 0..63,
 *                generations 0..3) is refused with a ring error; exits 0
 *   shutdown     SystemControl.shutdown(0): QEMU exits with the clean status
 * On a boot where the CSPRNG is not seeded (entropy=nohw) getBytes answers
 * CAPOS_ERR_ENTROPY_UNSEEDED (failed), twice, the count checks still answer first,
 * summary still works, and it ends with shutdown(3): the failure status.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <capnp/capnp.h>
#include <capos/capid.h>
#include <capos/error.h>
#include <libcapos/capset.h>
#include <libcapos/kcaps.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <schema/capos.capnp.h>

#define ST_RESEED_CALLS 300u /* x 256 bytes: past the kernel's 64 KiB reseed interval */
#define ST_FORGE_SLOTS 64u
#define ST_FORGE_GENS 4u
#define ST_UNSEEDED_CODE 3u

static uint32_t st_entropy, st_status, st_control, st_spawner;
static int st_failed;

static void st_check(const char *what, int ok)
{
	printf("systest: %s: %s\n", what, ok ? "ok" : "FAILED");
	if (!ok)
		st_failed = 1;
}

static const char *st_type(int type)
{
	const char *n = capos_exception_type_name(type);

	return n ? n : "transport";
}

/* getBytes(count) into buf (256 bytes); the status, *len and the exception type. */
static int st_get(uint32_t cap, uint32_t count, uint8_t *buf, uint32_t *len, int *type)
{
	return capos_entropy_get_bytes(cap, count, buf, 256, len, type);
}

/* A refused getBytes: prints the answer, checks status and type. */
static void st_refused(const char *what, uint32_t cap, uint32_t count, int want, int want_type)
{
	uint8_t buf[256];
	uint32_t len = 0;
	int type, err = st_get(cap, count, buf, &len, &type);
	char line[96];

	snprintf(line, sizeof(line), "%s -> %s (%s)", what, capos_error_name(err), st_type(type));
	st_check(line, err == want && type == want_type && len == 0);
}

static void st_entropy_positive(void)
{
	uint8_t a[256], b[256];
	uint32_t la = 0, lb = 0;
	int t, ea = st_get(st_entropy, 32, a, &la, &t), eb = st_get(st_entropy, 32, b, &lb, &t);

	printf("systest: entropy sample ");
	for (uint32_t i = 0; i < la; i++)
		printf("%02x", a[i]);
	printf("\n");
	st_check("getBytes(32) twice: 32 bytes each, different",
		 ea == 0 && eb == 0 && la == 32 && lb == 32 && memcmp(a, b, 32) != 0);
	ea = st_get(st_entropy, 256, a, &la, &t);
	eb = st_get(st_entropy, 1, b, &lb, &t);
	st_check("getBytes(256) -> 256 bytes, getBytes(1) -> 1 byte",
		 ea == 0 && la == 256 && eb == 0 && lb == 1);
}

static void st_entropy_hostile(void)
{
	uint32_t stale = capos_cap_make(capos_cap_slot(st_entropy), capos_cap_gen(st_entropy) + 1);

	st_refused("hostile getBytes(0)", st_entropy, 0, CAPOS_ERR_ENTROPY_COUNT,
		   capos_ExceptionType_invalidArgument);
	st_refused("hostile getBytes(257)", st_entropy, 257, CAPOS_ERR_ENTROPY_COUNT,
		   capos_ExceptionType_invalidArgument);
	st_refused("hostile getBytes(2^32-1)", st_entropy, UINT32_MAX, CAPOS_ERR_ENTROPY_COUNT,
		   capos_ExceptionType_invalidArgument);
	st_refused("hostile getBytes(32) on a stale entropy cap id", stale, 32, CAPOS_ERR_CAP_STALE,
		   -1);
	st_refused("hostile getBytes(32) through the SystemStatus cap", st_status, 32,
		   CAPOS_ERR_CAP_WRONG_INTERFACE, -1);
}

static void st_entropy_reseed(void)
{
	uint8_t buf[256];
	uint32_t n = 0, len;
	int t;

	for (uint32_t i = 0; i < ST_RESEED_CALLS; i++)
		if (st_get(st_entropy, 256, buf, &len, &t) == CAPOS_OK && len == 256)
			n++;
	printf("systest: reseed: %u of %u getBytes(256) served\n", n, ST_RESEED_CALLS);
	st_check("reseed", n == ST_RESEED_CALLS);
}

static void st_summary(void)
{
	struct capos_system_summary s1, s2;
	int e1 = capos_system_summary(st_status, &s1), e2 = capos_system_summary(st_status, &s2);

	printf("systest: summary -> %s: version %s cpus %u present %u memory %llu free %llu "
	       "processes %u\n",
	       capos_error_name(e1), e1 ? "?" : s1.version, s1.cpus, s1.cpus_present,
	       (unsigned long long)s1.memory_bytes, (unsigned long long)s1.free_bytes,
	       s1.processes);
	printf("systest: summary motd \"%s\"\n", e1 ? "?" : s1.motd);
	st_check("summary twice: uptime grows",
		 e1 == 0 && e2 == 0 && s1.uptime_ns > 0 && s2.uptime_ns > s1.uptime_ns);
}

/* ProcessSpawner.spawn of this binary as "noctl" with one kernel Console; the handle. */
static int st_spawn_noctl(uint32_t *handle)
{
	static uint64_t arena[64], framed[65], res[32];
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_ProcessSpawner_spawn_Params_b p;
	struct capos_CapGrant_blist grants;
	struct capos_ring_client *c;
	struct capos_cqe cqe;
	size_t n = 0;
	int err = capnp_builder_init(&b, &seg, 1, arena, sizeof(arena));

	if (err == CAPOS_OK && (err = capos_ProcessSpawner_spawn_request(&b, &p)) == CAPOS_OK &&
	    (err = capos_ProcessSpawner_spawn_Params_set_name(&p, "noctl", 5)) == CAPOS_OK &&
	    (err = capos_ProcessSpawner_spawn_Params_set_binaryName(&p, "systest", 7)) == CAPOS_OK)
		err = capos_ProcessSpawner_spawn_Params_init_grants(&p, 1, &grants);
	if (err)
		return err;
	struct capos_CapGrant_b g = capos_CapGrant_list_build(&grants, 0);
	struct capos_CapGrant_source_b src = capos_CapGrant_init_source(&g);

	capos_CapGrant_source_set_kernel(&src, capos_KernelCapSource_console);
	if ((err = capos_CapGrant_set_name(&g, "console", 7)) == CAPOS_OK &&
	    (err = capnp_builder_error(&b)) == CAPOS_OK &&
	    (err = capnp_builder_write_framed(&b, framed, sizeof(framed), &n)) == CAPOS_OK &&
	    (err = capos_ring_self(&c)) == CAPOS_OK &&
	    (err = capos_ring_call(c, st_spawner, capos_ProcessSpawner_TYPE_ID,
				   capos_ProcessSpawner_METHOD_spawn, framed, (uint32_t)n, res,
				   sizeof(res), &cqe)) == CAPOS_OK)
		err = capos_ring_result_cap(&cqe, res, sizeof(res), 0, capos_ProcessHandle_TYPE_ID,
					    handle);
	return err;
}

/* ProcessHandle.wait(h): the exit code. */
static int st_wait(uint32_t h, int64_t *code)
{
	static uint64_t res[16];
	struct capnp_segment segs[1];
	const struct capnp_limits lim = { .traversal_words = 64, .nesting = 4 };
	struct capos_ProcessHandle_wait_Results_r r;
	struct capos_ring_client *c;
	struct capnp_msg m;
	struct capos_cqe cqe;
	int err = capos_ring_self(&c);

	if (err == CAPOS_OK &&
	    (err = capos_ring_call(c, h, capos_ProcessHandle_TYPE_ID,
				   capos_ProcessHandle_METHOD_wait, NULL, 0, res, sizeof(res),
				   &cqe)) == CAPOS_OK &&
	    (err = capnp_msg_init_framed(&m, res, cqe.result_len, segs, 1, &lim, NULL)) ==
		    CAPOS_OK &&
	    (err = capos_ProcessHandle_wait_Results_read_root(&m, &r)) == CAPOS_OK)
		*code = capos_ProcessHandle_wait_Results_get_exitCode(&r);
	return err;
}

static void st_no_control(void)
{
	uint32_t h = 0;
	int64_t code = -100;
	int err = st_spawn_noctl(&h);

	if (err == CAPOS_OK)
		err = st_wait(h, &code);
	printf("systest: child noctl (no SystemControl) -> %s, exit code %lld\n",
	       capos_error_name(err), (long long)code);
	st_check("no-control", err == CAPOS_OK && code == 0);
}

/* The child: no "control" in its CapSet; every forged SystemControl id is refused by the
 * ring (a shutdown that worked would end the run before the parent's checks). */
static int st_child(const struct capos_capset_page *cs)
{
	uint32_t id = 0, refused = 0, total = ST_FORGE_SLOTS * ST_FORGE_GENS;
	int look = capos_capset_lookup(cs, "control", capos_SystemControl_TYPE_ID, &id);

	for (uint32_t s = 0; s < ST_FORGE_SLOTS; s++)
		for (uint32_t g = 0; g < ST_FORGE_GENS; g++) {
			int err = capos_system_shutdown(capos_cap_make(s, g), 0);

			refused += err == CAPOS_ERR_CAP_BAD_ID || err == CAPOS_ERR_CAP_STALE ||
				   err == CAPOS_ERR_CAP_EMPTY ||
				   err == CAPOS_ERR_CAP_WRONG_INTERFACE;
		}
	printf("systest: noctl: \"control\" lookup -> %s; %u of %u forged shutdowns refused by "
	       "the ring\n",
	       capos_error_name(look), refused, total);
	return look == CAPOS_ERR_NOT_FOUND && refused == total ? 0 : 1;
}

/* The unseeded boot (entropy=nohw): refusals, the kernel still serving, then code 3. */
static int st_unseeded(void)
{
	struct capos_system_summary s;

	st_refused("unseeded getBytes(32) again", st_entropy, 32, CAPOS_ERR_ENTROPY_UNSEEDED,
		   capos_ExceptionType_failed);
	st_entropy_hostile();
	st_check("unseeded: summary still served", capos_system_summary(st_status, &s) == 0);
	printf("systest: shutdown(%u)\n", ST_UNSEEDED_CODE);
	return capos_system_shutdown(st_control, ST_UNSEEDED_CODE);
}

int main(void)
{
	const struct capos_capset_page *cs = (const struct capos_capset_page *)capos_boot.capset;
	uint8_t probe[256];
	uint32_t len;
	int type;

	if (capos_capset_lookup(cs, "entropy", capos_EntropySource_TYPE_ID, &st_entropy))
		return st_child(cs);
	if (capos_capset_lookup(cs, "status", capos_SystemStatus_TYPE_ID, &st_status) ||
	    capos_capset_lookup(cs, "control", capos_SystemControl_TYPE_ID, &st_control) ||
	    capos_capset_lookup(cs, "spawner", capos_ProcessSpawner_TYPE_ID, &st_spawner))
		return 2;
	printf("systest: start (pid %u)\n", (unsigned)capos_boot.pid);
	if (st_get(st_entropy, 32, probe, &len, &type) == CAPOS_ERR_ENTROPY_UNSEEDED) {
		printf("systest: getBytes(32) -> CAPOS_ERR_ENTROPY_UNSEEDED (%s)\n", st_type(type));
		printf("systest: unseeded: shutdown -> %s\n", capos_error_name(st_unseeded()));
		return 1;
	}
	st_entropy_positive();
	st_entropy_hostile();
	st_entropy_reseed();
	st_summary();
	st_no_control();
	printf("systest: shutdown(%d)\n", st_failed);
	printf("systest: shutdown -> %s\n",
	       capos_error_name(capos_system_shutdown(st_control, (uint8_t)st_failed)));
	return 1;
}
