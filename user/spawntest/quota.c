/*
 * spawntest's quota steps (docs/resources.md; tests/qemu/spawn_tests.py): one hostile
 * child per quota class, spawned with a profile of system/spawntest.capnp that makes
 * the class small (user/spawnchild/quota.c exhausts it and reports the exact typed
 * error), then a neighbour child that must still run; two profiles too small to start
 * a process at all (ring scratch, threads); and CapabilityManager.usage against known
 * charges (a live child, a wait in flight). The kernel's end-of-boot check (free
 * frames and live kernel objects back at their baselines) then covers every path.
 */
#include <stdint.h>
#include <stdio.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <schema/capos.capnp.h>

#include "spawntest.h"

#define QUOTA_CHILD_OK 50 /* SPAWNCHILD_QUOTA_OK (user/spawnchild/quota.h) */
#define QUOTA_NEIGHBOUR 42

/* The hog `s` (profile set, grants made) runs to QUOTA_CHILD_OK; then a plain child. */
static void st_quota_run(const char *what, const struct st_spawn *s)
{
	char line[96];
	uint64_t pid = 0;

	snprintf(line, sizeof(line), "quota %s: the hostile child saw the typed error", what);
	st_check(line, st_run(s, QUOTA_CHILD_OK, &pid) == 0);
	snprintf(line, sizeof(line), "quota %s: a neighbour still runs", what);
	st_check(line, st_run(st_plain("neighbour"), QUOTA_NEIGHBOUR, &pid) == 0);
}

/* A hog with a console (to report) and one kernel grant, under `profile`. */
static struct st_spawn *st_hog(const char *profile, const char *grant, uint16_t source)
{
	struct st_spawn *s = st_plain(grant);

	s->profile = profile;
	st_kernel_grant(s, "console", capos_KernelCapSource_console);
	if (source != capos_KernelCapSource_endpoint)
		st_kernel_grant(s, grant, source);
	return s;
}

static void st_quota_hogs(void)
{
	struct st_spawn *s = st_hog("frames", "frames-hog", capos_KernelCapSource_virtualMemory);

	st_quota_run("frames", s);
	s = st_hog("calls2", "call-hog", capos_KernelCapSource_endpoint);
	st_facet_grant(s, "call-hog", st_ep, capos_Console_TYPE_ID, 0);
	st_quota_run("calls", s); /* it exits with two calls queued on st_ep: cancelled */
	s = st_hog("kids1", "kid-spawner", capos_KernelCapSource_processSpawner);
	st_quota_run("children", s);
	s = st_hog("slots4", "slot-hog", capos_KernelCapSource_endpoint);
	st_endpoint_grant(s, "slot-hog", capos_Console_TYPE_ID);
	st_quota_run("cap slots", s);
	if (st_export_cap)
		(void)st_release(st_export_cap);
}

/* An endpoint owned by a child whose profile allows one queued call: two CALLs from the
 * parent while the child never RECVs; the second is `overloaded` EP_QUEUE_FULL, the
 * first is answered `disconnected` when the child is killed. */
static void st_quota_endpoint(void)
{
	struct st_spawn *s = st_plain("queue-1");
	struct capos_cqe c1, c2;
	uint64_t pid = 0, u1 = 0, u2 = 0;
	uint32_t h = 0;
	int full = -1, full_type = -1, gone = -1, gone_type = -1;

	s->profile = "epq1";
	st_kernel_grant(s, "spin", capos_KernelCapSource_timer);
	st_endpoint_grant(s, "svc-q", capos_Console_TYPE_ID);
	int err = st_spawn(s, &h, &pid);
	uint32_t facet = err ? 0 : st_export_cap;
	if (err == 0)
		err = st_call_async(facet, capos_Console_TYPE_ID, 0, NULL, 0, &u1);
	if (err == 0)
		err = st_call_async(facet, capos_Console_TYPE_ID, 0, NULL, 0, &u2);
	if (err == 0) {
		full = st_collect(u2, &c2);
		full_type = st_last_type;
		err = st_kill(h);
	}
	if (err == 0) {
		gone = st_collect(u1, &c1); /* both answers land in the shared buffer, in turn */
		gone_type = st_last_type;
	}
	if (h)
		(void)st_release(h);
	if (facet)
		(void)st_release(facet);
	printf("spawntest: endpoint bounds: queue depth 1, the second call -> %s (%s); the "
	       "queued one after the owner's kill -> %s (%s)\n",
	       capos_error_name(full), st_type_name(full_type), capos_error_name(gone),
	       st_type_name(gone_type));
	st_check("endpoint bounds from the owner's profile",
		 err == 0 && full == CAPOS_ERR_EP_QUEUE_FULL &&
			 full_type == capos_ExceptionType_overloaded &&
			 gone == CAPOS_ERR_EP_DISCONNECTED &&
			 gone_type == capos_ExceptionType_disconnected);
}

/* Profiles too small for a process to start: the spawn is refused, nothing runs. */
static void st_quota_refused(void)
{
	struct st_spawn *s = st_plain("no-scratch");

	s->profile = "scratch4k";
	st_hostile("quota ring scratch: 4096 bytes for a 12288-byte CALL scratch", s,
		   CAPOS_ERR_QUOTA_RING_SCRATCH, capos_ExceptionType_overloaded);
	s = st_plain("no-threads");
	s->profile = "threads0";
	st_hostile("quota threads: 0 threads", s, CAPOS_ERR_QUOTA_THREADS,
		   capos_ExceptionType_overloaded);
}

/* The fields of one CapabilityManager.usage answer the step checks. */
struct st_usage {
	uint64_t slots, frames, frames_max, scratch, scratch_max;
	uint64_t calls, calls_max, kids, kids_max, threads, threads_max;
};

static int st_usage(struct st_usage *o)
{
	struct capos_CapabilityManager_usage_Results_r r;
	struct capos_ResourceUsage_r u;
	struct capos_cqe cqe;
	struct capnp_msg m;
	int err = st_call(st_capmgr, capos_CapabilityManager_TYPE_ID,
			  capos_CapabilityManager_METHOD_usage, &cqe);

	err = err ? err : st_read_results(&cqe, &m);
	err = err ? err : capos_CapabilityManager_usage_Results_read_root(&m, &r);
	err = err ? err : capos_CapabilityManager_usage_Results_get_usage(&r, &u);
	if (err)
		return err;
	*o = (struct st_usage){
		.slots = capos_ResourceUsage_get_capSlots(&u),
		.frames = capos_ResourceUsage_get_framePages(&u),
		.frames_max = capos_ResourceUsage_get_framePagesMax(&u),
		.scratch = capos_ResourceUsage_get_ringScratchBytes(&u),
		.scratch_max = capos_ResourceUsage_get_ringScratchBytesMax(&u),
		.calls = capos_ResourceUsage_get_outstandingCalls(&u),
		.calls_max = capos_ResourceUsage_get_outstandingCallsMax(&u),
		.kids = capos_ResourceUsage_get_childProcesses(&u),
		.kids_max = capos_ResourceUsage_get_childProcessesMax(&u),
		.threads = capos_ResourceUsage_get_threads(&u),
		.threads_max = capos_ResourceUsage_get_threadsMax(&u),
	};
	return CAPOS_OK;
}

/* usage before a child, with it live and a wait on it in flight, and after: exact. */
static void st_quota_usage(void)
{
	static uint64_t wait_res[8]; /* (exitCode, killed), read by nobody */
	struct st_usage a = { 0 }, b = { 0 }, c = { 0 };
	struct st_spawn *s = st_plain("usage-spin");
	struct capos_cqe cqe;
	uint32_t h = 0;
	uint64_t pid = 0, ud = 0;
	int err = st_usage(&a);

	st_kernel_grant(s, "spin", capos_KernelCapSource_timer);
	if (err == 0)
		err = st_spawn(s, &h, &pid);
	if (err == 0)
		err = st_call_async(h, capos_ProcessHandle_TYPE_ID, capos_ProcessHandle_METHOD_wait,
				    wait_res, sizeof(wait_res), &ud);
	if (err == 0)
		err = st_usage(&b);
	if (err == 0)
		err = st_kill(h);
	if (err == 0)
		err = st_collect(ud, &cqe);
	if (h)
		(void)st_release(h);
	if (err == 0)
		err = st_usage(&c);
	printf("spawntest: usage: threads %llu of %llu, ring scratch %llu of %llu, frames %s "
	       "%llu; calls %llu -> %llu -> %llu of %llu, children %llu -> %llu -> %llu of %llu, "
	       "cap slots %llu -> %llu -> %llu\n",
	       (unsigned long long)a.threads, (unsigned long long)a.threads_max,
	       (unsigned long long)a.scratch, (unsigned long long)a.scratch_max,
	       a.frames > 0 && a.frames <= a.frames_max ? "within" : "NOT within",
	       (unsigned long long)a.frames_max, (unsigned long long)a.calls,
	       (unsigned long long)b.calls, (unsigned long long)c.calls,
	       (unsigned long long)a.calls_max, (unsigned long long)a.kids,
	       (unsigned long long)b.kids, (unsigned long long)c.kids,
	       (unsigned long long)a.kids_max, (unsigned long long)a.slots,
	       (unsigned long long)b.slots, (unsigned long long)c.slots);
	st_check("usage", err == 0 && a.calls == 0 && b.calls == 1 && c.calls == 0 && a.kids == 0 &&
				  b.kids == 1 && c.kids == 0 && b.slots == a.slots + 1 &&
				  c.slots == a.slots && a.threads == 1);
}

void st_test_quota_classes(void)
{
	st_quota_hogs();
	st_quota_endpoint();
	st_quota_refused();
	st_quota_usage();
}
