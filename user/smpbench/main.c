/*
 * smpbench: the capOS side of the SMP scaling benchmark (bench/smp/smp_bench.py,
 * docs/benchmarks.md "SMP scaling"), the init of system/smpbench.capnp. One binary,
 * two roles, told apart by its CapSet:
 *   starter  (init: console, spawner, frames, timer) runs every configuration of the
 *            shared job (bench/smp/smp_work.c) and prints its `smp ...` line:
 *              proc-1, proc-2   the job on 1 / 2 processes: a one-page MemoryObject
 *                               holds the job record, each worker is this binary
 *                               spawned through ProcessSpawner with the object
 *                               ("job") and a timer, waited through ProcessHandle
 *              pingpong-proc    park/unpark round trips between the starter and
 *                               one worker through SharedParkSpaces bound to the
 *                               same object (the ping-pong record on its page)
 *              thread-1, thread-2, pingpong   `unavailable` until libcapos has threads
 *   worker   (CapSet has "job") maps the page and, as its `task` says, runs one part
 *            of the job (smp_worker) or side 1 of the ping-pong; exits 0.
 * The work size, the binary's own name and whether to run the hostile twins (workers
 * handed a job they must refuse) come from the variant file linked with it (full.c:
 * the benchmark; quick.c: smpcheck, the boot test's short run).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <capos/error.h>
#include <capos/ring.h>
#include <libcapos/capset.h>
#include <libcapos/client.h>
#include <libcapos/park.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <schema/capos.capnp.h>

#include "smp_work.h"
#include "smpbench.h"

/* The shared page: what a worker is to do, the job, the ping-pong record. */
enum sb_task { SB_TASK_JOB = 0, SB_TASK_PONG = 1 };

struct sb_page {
	struct smp_job job; /* SB_TASK_JOB */
	uint32_t task;	    /* enum sb_task, set by the starter before spawning */
	uint32_t pad;
	struct smp_pingpong pp; /* SB_TASK_PONG */
};

_Static_assert(sizeof(struct sb_page) <= 4096, "the shared page");

static struct capos_client_call sb_call; /* one call at a time, in either role */

static int sb_cap(const char *name, uint64_t iid, uint32_t *cap)
{
	return capos_capset_lookup((const struct capos_capset_page *)capos_boot.capset, name, iid,
				   cap);
}

/* Map the one-page object read-write; its address in *page. */
static int sb_map_page(uint32_t mo, struct sb_page **page)
{
	struct capos_MemoryObject_map_Params_b p;
	struct capos_MemoryObject_map_Results_r r;
	struct capos_Protection_b pr;
	int err = capos_client_begin(&sb_call);

	if (err == CAPOS_OK)
		err = capos_MemoryObject_map_request(&sb_call.b, &p);
	if (err == CAPOS_OK)
		err = capos_MemoryObject_map_Params_init_prot(&p, &pr);
	if (err)
		return err;
	capos_MemoryObject_map_Params_set_pages(&p, 1);
	capos_Protection_set_read(&pr, true);
	capos_Protection_set_write(&pr, true);
	err = capos_client_send(&sb_call, mo, capos_MemoryObject_TYPE_ID,
				capos_MemoryObject_METHOD_map, NULL, 0);
	if (err == CAPOS_OK)
		err = capos_MemoryObject_map_read_results(&sb_call.msg, &r);
	if (err == CAPOS_OK)
		*page = (struct sb_page *)(uintptr_t)capos_MemoryObject_map_Results_get_addr(&r);
	return err;
}

/* A fresh zero-filled one-page MemoryObject from FrameAllocator `frames`. */
static int sb_alloc_job(uint32_t frames, uint32_t *mo)
{
	struct capos_FrameAllocator_allocate_Params_b p;
	struct capos_FrameAllocator_allocate_Results_r r;
	uint32_t index = 0;
	int err = capos_client_begin(&sb_call);

	if (err == CAPOS_OK)
		err = capos_FrameAllocator_allocate_request(&sb_call.b, &p);
	if (err)
		return err;
	capos_FrameAllocator_allocate_Params_set_pages(&p, 1);
	err = capos_client_send(&sb_call, frames, capos_FrameAllocator_TYPE_ID,
				capos_FrameAllocator_METHOD_allocate, NULL, 0);
	if (err == CAPOS_OK)
		err = capos_FrameAllocator_allocate_read_results(&sb_call.msg, &r);
	if (err == CAPOS_OK)
		err = capos_FrameAllocator_allocate_Results_get_memory(&r, &index);
	if (err == CAPOS_OK)
		err = capos_client_cap(&sb_call, index, capos_MemoryObject_TYPE_ID, mo);
	return err;
}

static void sb_grant(const struct capos_CapGrant_blist *list, uint32_t i, const char *name,
		     uint64_t iid, int held, uint16_t source)
{
	struct capos_CapGrant_b e = capos_CapGrant_list_build(list, i);
	struct capos_CapGrant_source_b src = capos_CapGrant_init_source(&e);

	(void)capos_CapGrant_set_name(&e, name, (uint32_t)strlen(name));
	capos_CapGrant_set_mode(&e, capos_TransferMode_copy);
	capos_CapGrant_set_interfaceId(&e, iid);
	if (held)
		(void)capos_CapGrant_source_set_held(&src, 0);
	else
		capos_CapGrant_source_set_kernel(&src, (enum capos_KernelCapSource)source);
}

/* Spawn one worker (this binary) holding a copy of the page object, a fresh timer and a
 * fresh SharedParkSpace. */
static int sb_spawn_worker(uint32_t spawner, uint32_t mo, uint32_t *handle)
{
	struct capos_ProcessSpawner_spawn_Params_b p;
	struct capos_ProcessSpawner_spawn_Results_r r;
	struct capos_CapGrant_blist list;
	const struct capos_xfer x = { .cap = mo, .mode = CAPOS_XFER_COPY };
	uint32_t index = 0;
	int err = capos_client_begin(&sb_call);

	if (err == CAPOS_OK)
		err = capos_ProcessSpawner_spawn_request(&sb_call.b, &p);
	if (err == CAPOS_OK)
		err = capos_ProcessSpawner_spawn_Params_set_name(&p, "w", 1);
	if (err == CAPOS_OK)
		err = capos_ProcessSpawner_spawn_Params_set_binaryName(
			&p, smpbench_self, (uint32_t)strlen(smpbench_self));
	if (err == CAPOS_OK)
		err = capos_ProcessSpawner_spawn_Params_init_grants(&p, 3, &list);
	if (err)
		return err;
	sb_grant(&list, 0, "job", capos_MemoryObject_TYPE_ID, 1, 0);
	sb_grant(&list, 1, "timer", capos_Timer_TYPE_ID, 0, capos_KernelCapSource_timer);
	sb_grant(&list, 2, "park", capos_SharedParkSpace_TYPE_ID, 0,
		 capos_KernelCapSource_sharedParkSpace);
	err = capos_client_send(&sb_call, spawner, capos_ProcessSpawner_TYPE_ID,
				capos_ProcessSpawner_METHOD_spawn, &x, 1);
	if (err == CAPOS_OK)
		err = capos_ProcessSpawner_spawn_read_results(&sb_call.msg, &r);
	if (err == CAPOS_OK)
		err = capos_ProcessSpawner_spawn_Results_get_handle(&r, &index);
	if (err == CAPOS_OK)
		err = capos_client_cap(&sb_call, index, capos_ProcessHandle_TYPE_ID, handle);
	return err;
}

/* Wait for a worker and drop its handle: CAPOS_ERR_INVALID unless it exited 0. */
static int sb_wait_worker(uint32_t handle)
{
	struct capos_ProcessHandle_wait_Params_b p;
	struct capos_ProcessHandle_wait_Results_r r;
	struct capos_ring_client *ring = NULL;
	int err = capos_client_begin(&sb_call);

	if (err == CAPOS_OK)
		err = capos_ProcessHandle_wait_request(&sb_call.b, &p);
	if (err == CAPOS_OK)
		err = capos_client_send(&sb_call, handle, capos_ProcessHandle_TYPE_ID,
					capos_ProcessHandle_METHOD_wait, NULL, 0);
	if (err == CAPOS_OK)
		err = capos_ProcessHandle_wait_read_results(&sb_call.msg, &r);
	if (err == CAPOS_OK && (capos_ProcessHandle_wait_Results_get_exitCode(&r) != 0 ||
				capos_ProcessHandle_wait_Results_get_killed(&r)))
		err = CAPOS_ERR_INVALID;
	int rerr = capos_ring_self(&ring);
	if (rerr == CAPOS_OK)
		rerr = capos_ring_release(ring, handle);
	return err ? err : rerr;
}

/* Start `n` workers and wait for all of them (every started one is waited for). */
static int sb_run_procs(uint32_t spawner, uint32_t mo, uint32_t n)
{
	uint32_t h[SMP_MAX_PARTS];
	uint32_t made = 0;
	int err = CAPOS_OK;

	for (; made < n && err == CAPOS_OK; made++)
		err = sb_spawn_worker(spawner, mo, &h[made]);
	if (err)
		made--;
	for (uint32_t i = 0; i < made; i++) {
		int werr = sb_wait_worker(h[i]);
		err = err ? err : werr;
	}
	return err;
}

void smpbench_print(const char *line)
{
	printf("%s\n", line);
	fflush(stdout);
}

/* One proc-N configuration over the shared job page; prints its line. 0 or -1. */
int smpbench_report(const char *cfg, const struct smp_job *job, int err, uint64_t t0, uint64_t t1)
{
	struct smp_outcome o;
	char line[SMP_LINE_MAX];

	if (err == CAPOS_OK && (t0 == 0 || smp_job_collect(job, t1 - t0, &o) != 0))
		err = CAPOS_ERR_INVALID;
	if (err) {
		printf("smp %s error reason=%s\n", cfg, capos_error_name(err));
		return -1;
	}
	smp_format(line, sizeof(line), cfg, job, &o);
	smpbench_print(line);
	return 0;
}

static int sb_config_procs(const char *cfg, uint32_t spawner, uint32_t mo, struct sb_page *pg,
			   uint32_t n)
{
	pg->task = SB_TASK_JOB;
	if (smp_job_init(&pg->job, n, smpbench_chunks) != 0)
		return smpbench_report(cfg, &pg->job, CAPOS_ERR_INVALID, 0, 0);
	uint64_t t0 = smp_now_ns();
	int err = sb_run_procs(spawner, mo, n);
	uint64_t t1 = smp_now_ns();
	return smpbench_report(cfg, &pg->job, err, t0, t1);
}

/* The check variant's hostile twins: a worker handed a job it must refuse exits 3
 * (smp_worker's -1), so the starter sees a failed wait instead of a figure. */
static int sb_refusals(uint32_t spawner, uint32_t mo, struct sb_page *pg)
{
	struct smp_job *job = &pg->job;
	int failed = 0;

	memset(pg, 0, sizeof(*pg)); /* a job never initialised: no magic */
	int err = sb_run_procs(spawner, mo, 1);
	printf("smp-check uninitialised job: %s\n", capos_error_name(err));
	failed |= err != CAPOS_ERR_INVALID;
	if (smp_job_init(job, 1, smpbench_chunks) != 0)
		return -1;
	atomic_store(&job->ticket, 1); /* every part already taken */
	err = sb_run_procs(spawner, mo, 1);
	printf("smp-check no part left: %s\n", capos_error_name(err));
	failed |= err != CAPOS_ERR_INVALID;
	if (smp_job_init(job, 3, smpbench_chunks + 1) == 0 || smp_job_init(job, 0, 1) == 0 ||
	    smp_job_init(job, SMP_MAX_PARTS + 1, SMP_MAX_PARTS + 1) == 0)
		failed = 1;
	printf("smp-check bad splits refused: %s\n", failed ? "no" : "yes");
	return failed ? -1 : 0;
}

/* pingpong-proc: side 0 here, side 1 in a spawned worker; prints the line. 0 or -1. */
static int sb_pingpong_procs(uint32_t spawner, uint32_t mo, struct sb_page *pg, uint32_t park)
{
	char line[SMP_LINE_MAX];
	uint32_t h = 0;

	pg->task = SB_TASK_PONG;
	atomic_store(&pg->pp.turn, 0);
	pg->pp.warmup = SMP_PINGPONG_WARMUP;
	pg->pp.rounds = smpbench_rounds;
	pg->pp.ns = 0;
	smpbench_park_use(park, (uintptr_t)pg);
	int err = sb_spawn_worker(spawner, mo, &h);
	if (err == CAPOS_OK) {
		int side = smp_pingpong_side(&pg->pp, 0);
		err = sb_wait_worker(h);
		err = err ? err : side ? CAPOS_ERR_INVALID : CAPOS_OK;
	}
	if (err) {
		printf("smp pingpong-proc error reason=%s\n", capos_error_name(err));
		return -1;
	}
	smp_format_pingpong(line, sizeof(line), "pingpong-proc", smpbench_rounds, pg->pp.ns);
	smpbench_print(line);
	return 0;
}

/* The starter's caps, the shared page and the park space bound to it. */
static int sb_setup(uint32_t *spawner, uint32_t *mo, struct sb_page **pg, uint32_t *park)
{
	uint32_t frames = 0, timer = 0;
	int err = sb_cap("spawner", capos_ProcessSpawner_TYPE_ID, spawner);

	if (err == CAPOS_OK)
		err = sb_cap("frames", capos_FrameAllocator_TYPE_ID, &frames);
	if (err == CAPOS_OK)
		err = sb_cap("timer", capos_Timer_TYPE_ID, &timer);
	if (err == CAPOS_OK)
		err = sb_cap("park", capos_SharedParkSpace_TYPE_ID, park);
	if (err == CAPOS_OK)
		err = sb_alloc_job(frames, mo);
	if (err == CAPOS_OK)
		err = sb_map_page(*mo, pg);
	if (err == CAPOS_OK)
		err = capos_park_bind(*park, *mo);
	return err;
}

static int sb_starter(void)
{
	uint32_t spawner = 0, mo = 0, park = 0;
	struct sb_page *pg = NULL;
	int err = sb_setup(&spawner, &mo, &pg, &park);

	if (err) {
		printf("smp proc-1 error reason=setup:%s\n", capos_error_name(err));
		return 1;
	}
	int failed = 0;
	char line[SMP_LINE_MAX];

	smp_warmup(line, sizeof(line), smpbench_chunks / 2); /* as the Linux side does */
	printf("%s\n", line);
	failed |= sb_config_procs("proc-1", spawner, mo, pg, 1);
	failed |= sb_config_procs("proc-2", spawner, mo, pg, 2);
	failed |= sb_pingpong_procs(spawner, mo, pg, park);
	failed |= smpbench_threads(smpbench_chunks);
	if (smpbench_check)
		failed |= sb_refusals(spawner, mo, pg);
	return failed ? 1 : 0;
}

/* Side 1 of pingpong-proc: its own SharedParkSpace bound to its copy of the object. */
static int sb_pong(uint32_t mo, struct sb_page *pg)
{
	uint32_t park = 0;

	if (sb_cap("park", capos_SharedParkSpace_TYPE_ID, &park) != CAPOS_OK ||
	    capos_park_bind(park, mo) != CAPOS_OK)
		return 4;
	smpbench_park_use(park, (uintptr_t)pg);
	return smp_pingpong_side(&pg->pp, 1) == 0 ? 0 : 5;
}

static int sb_worker(uint32_t mo)
{
	struct sb_page *pg = NULL;

	if (sb_map_page(mo, &pg) != CAPOS_OK)
		return 2;
	if (pg->task == SB_TASK_PONG)
		return sb_pong(mo, pg);
	return smp_worker(&pg->job) == 0 ? 0 : 3;
}

int main(void)
{
	uint32_t mo = 0;

	if (sb_cap("job", capos_MemoryObject_TYPE_ID, &mo) == CAPOS_OK)
		return sb_worker(mo);
	return sb_starter();
}
