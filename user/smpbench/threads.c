/*
 * smpbench's thread configurations: thread-1 and thread-2 run the shared job on
 * 1 and 2 threads of this process (libcapos/thread.h: capos_thread_create /
 * _join, each thread with its own ring), pingpong runs the park/unpark
 * ping-pong between two threads through the private ParkSpace "tpark" (keyed by
 * address).
 */
#include <stdio.h>
#include <string.h>

#include <capos/error.h>
#include <libcapos/kcaps.h>
#include <libcapos/thread.h>
#include <schema/capos.capnp.h>

#include "smp_work.h"
#include "smpbench.h"

static struct smp_job sb_tjob;
static struct smp_pingpong sb_tpp;

static int64_t sb_job_thread(void *arg)
{
	return smp_worker(arg) == 0 ? 0 : 3;
}

static int64_t sb_pong_thread(void *arg)
{
	return smp_pingpong_side(arg, 1) == 0 ? 0 : 5;
}

/* Join every started thread; the first error, CAPOS_ERR_INVALID for a non-zero
 * exit. */
static int sb_join_all(struct capos_thread **t, uint32_t made, int err)
{
	for (uint32_t i = 0; i < made; i++) {
		int64_t code = 0;
		int jerr = capos_thread_join(t[i], &code);
		if (err == CAPOS_OK)
			err = jerr ? jerr : code ? CAPOS_ERR_INVALID : CAPOS_OK;
	}
	return err;
}

static int sb_config_threads(const char *cfg, uint32_t n, uint32_t chunks)
{
	struct capos_thread *t[SMP_MAX_PARTS];
	uint32_t made = 0;

	if (smp_job_init(&sb_tjob, n, chunks) != 0)
		return smpbench_report(cfg, &sb_tjob, CAPOS_ERR_INVALID, 0, 0);
	uint64_t t0 = smp_now_ns();
	int err = CAPOS_OK;
	for (; err == CAPOS_OK && made < n; made++)
		err = capos_thread_create(sb_job_thread, &sb_tjob, 0, &t[made]);
	if (err)
		made--;
	err = sb_join_all(t, made, err);
	uint64_t t1 = smp_now_ns();
	return smpbench_report(cfg, &sb_tjob, err, t0, t1);
}

static int sb_pingpong_threads(void)
{
	struct capos_thread *t = NULL;
	uint32_t park = 0;
	char line[SMP_LINE_MAX];
	int err = capos_kcap_find("tpark", capos_ParkSpace_TYPE_ID, &park);

	atomic_store(&sb_tpp.turn, 0);
	sb_tpp.warmup = SMP_PINGPONG_WARMUP;
	sb_tpp.rounds = smpbench_rounds;
	smpbench_park_use(park, 0);
	if (err == CAPOS_OK)
		err = capos_thread_create(sb_pong_thread, &sb_tpp, 0, &t);
	if (err == CAPOS_OK) {
		int side = smp_pingpong_side(&sb_tpp, 0);
		err = sb_join_all(&t, 1, side ? CAPOS_ERR_INVALID : CAPOS_OK);
	}
	if (err) {
		printf("smp pingpong error reason=%s\n", capos_error_name(err));
		return -1;
	}
	smp_format_pingpong(line, sizeof(line), "pingpong", smpbench_rounds, sb_tpp.ns);
	smpbench_print(line);
	return 0;
}

int smpbench_threads(uint32_t chunks)
{
	int failed = 0;

	failed |= sb_config_threads("thread-1", 1, chunks);
	failed |= sb_config_threads("thread-2", 2, chunks);
	failed |= sb_pingpong_threads();
	return failed ? -1 : 0;
}
