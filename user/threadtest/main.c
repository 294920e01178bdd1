/*
 * threadtest: init of the threads test manifest (system/tests/threads.capnp), driven
 * by tests/qemu/thread_tests.py; spawned again by itself for the child roles (child.c).
 * Checks ThreadSpawner / ThreadHandle / ThreadControl and libcapos/thread.h:
 *   concurrent   4 threads each do 40 Timer.now CALLs and 40 NOPs on their own rings
 *                while the main thread does the same; every thread sees its own ring
 *                (capos_thread_ring == the ring spawn reported, all distinct), a fresh
 *                copy of the TLS image, its own errno, only its own completions; join
 *                gives 100 + i
 *   sleep        a thread blocked in Timer.sleep(300 ms) does not delay the main
 *                thread's 50 NOPs and 50 CALLs (all done while it still sleeps)
 *   recv         a thread blocked in RECV on an endpoint: the main thread's NOPs go on;
 *                its CALL through a facet is served by that thread and the reply
 *                completes on the main thread's ring
 *   fsbase       ThreadControl.setFsBase(own TCB) succeeds and TLS still reads right
 * then the hostile twins (hostile.c) and the children (child.c). One COM2 line per
 * check; the kernel's end-of-boot leak check is judged from COM1.
 */
#include "threadtest.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <capos/error.h>
#include <capos/ring.h>
#include <capos/syscall.h>
#include <libcapos/capset.h>
#include <libcapos/runtime.h>
#include <libcapos/thread.h>
#include <schema/capos.capnp.h>

#define TH_WORKERS 4u
#define TH_ROUNDS 40u

struct th_caps th;
int th_failed;

static __thread uint64_t th_tls_word = 0x5eed; /* .tdata: each thread starts with it */

void th_check(const char *step, int ok)
{
	printf("threadtest: %s: %s\n", step, ok ? "ok" : "FAILED");
	if (!ok)
		th_failed = 1;
}

const char *th_err(int err, int type)
{
	static char buf[96];
	const char *tn = capos_exception_type_name(type);

	snprintf(buf, sizeof(buf), "%s (type %s)", capos_error_name(err), tn ? tn : "none");
	return buf;
}

/* What a worker reports back (written by it, read after join). */
struct th_report {
	uint32_t index;
	uint64_t ring;	     /* its capos_thread_ring */
	uint64_t tls_start;  /* th_tls_word when it started */
	uint32_t calls_ok;   /* Timer.now and NOPs that completed with status 0 */
	uint32_t stashed;    /* completions its ring client holds for nobody: foreign ones */
	int errno_start;     /* errno when it started (its own newlib reent: 0) */
	int errno_end;	     /* errno after its rounds (set to 1000 + index before them) */
	volatile int awake;  /* the sleeper: its sleep returned */
	volatile int served; /* the receiver: it answered one call */
};

/* Rounds of Timer.now and NOP on the calling thread's own ring; completed ones. */
static uint32_t th_rounds(void)
{
	struct capos_ring_client *c;
	uint32_t ok = 0;
	uint64_t ns;

	if (capos_ring_self(&c))
		return 0;
	for (uint32_t i = 0; i < TH_ROUNDS; i++) {
		ok += capos_timer_now(th.timer, &ns) == CAPOS_OK && ns != 0;
		ok += capos_ring_nop(c) == CAPOS_OK;
	}
	return ok;
}

/* Workers start their rounds once all exist (so all hold a ring slot at once). */
static volatile int th_gate;

static int64_t th_worker(void *arg)
{
	struct th_report *r = arg;
	struct capos_ring_client *c;

	while (!th_gate && capos_ring_self(&c) == CAPOS_OK)
		(void)capos_ring_nop(c);
	r->ring = capos_thread_ring;
	r->tls_start = th_tls_word;
	r->errno_start = errno;
	errno = 1000 + (int)r->index;	     /* its own: neither main nor the others see it */
	th_tls_word = 0xdead0000 + r->index; /* must not show in any other thread */
	r->calls_ok = th_rounds();
	r->errno_end = errno;
	if (capos_ring_self(&c) == CAPOS_OK)
		r->stashed = c->stashed;
	return 100 + r->index;
}

static void th_test_concurrent(void)
{
	static struct th_report rep[TH_WORKERS];
	struct capos_thread *t[TH_WORKERS];
	int64_t code[TH_WORKERS] = { 0 };
	int err = CAPOS_OK, codes_ok = 1, rings_ok = 1, errno_ok = 1;
	uint32_t main_ok;

	for (uint32_t i = 0; i < TH_WORKERS && err == CAPOS_OK; i++) {
		rep[i] = (struct th_report){ .index = i };
		err = capos_thread_create(th_worker, &rep[i], 0, &t[i]);
	}
	printf("threadtest: concurrent: %u threads created -> %s\n", TH_WORKERS,
	       capos_error_name(err));
	th_gate = 1;
	errno = 77;
	main_ok = th_rounds(); /* concurrently with them */
	for (uint32_t i = 0; i < TH_WORKERS && err == CAPOS_OK; i++) {
		err = capos_thread_join(t[i], &code[i]);
		codes_ok &= code[i] == 100 + i && rep[i].calls_ok == 2 * TH_ROUNDS &&
			    rep[i].tls_start == 0x5eed && rep[i].stashed == 0;
		rings_ok &= rep[i].ring != 0 && rep[i].ring != capos_thread_ring;
		errno_ok &= rep[i].errno_start == 0 && rep[i].errno_end == 1000 + (int)i;
		for (uint32_t j = 0; j < i; j++)
			rings_ok &= rep[i].ring != rep[j].ring;
	}
	printf("threadtest: concurrent: joined -> %s, exit codes %lld %lld %lld %lld\n",
	       capos_error_name(err), (long long)code[0], (long long)code[1], (long long)code[2],
	       (long long)code[3]);
	th_check("concurrent: own rings, fresh TLS, only own completions",
		 err == CAPOS_OK && codes_ok && rings_ok);
	for (uint32_t i = 0; !(codes_ok && rings_ok) && i < TH_WORKERS; i++)
		printf("threadtest: concurrent: thread %u: ring %#llx tls %#llx calls %u stashed "
		       "%u\n",
		       i, (unsigned long long)rep[i].ring, (unsigned long long)rep[i].tls_start,
		       rep[i].calls_ok, rep[i].stashed);
	th_check("concurrent: main thread's calls meanwhile",
		 main_ok == 2 * TH_ROUNDS && th_tls_word == 0x5eed);
	th_check("concurrent: errno per thread (newlib reent)", errno_ok && errno == 77);
}

static int64_t th_sleeper(void *arg)
{
	struct th_report *r = arg;
	int err = capos_timer_sleep(th.timer, 300 * TH_MS);

	r->awake = 1;
	return err == CAPOS_OK ? 7 : 8;
}

static void th_test_sleep(void)
{
	struct th_report r = { 0 };
	struct capos_thread *t;
	struct capos_ring_client *c;
	int64_t code = 0;
	uint64_t t0 = 0, t1 = 0;
	int err = capos_thread_create(th_sleeper, &r, 0, &t);
	uint32_t ok = 0;

	if (err == CAPOS_OK)
		err = capos_timer_sleep(th.timer, 20 * TH_MS); /* it is parked now */
	if (err == CAPOS_OK)
		err = capos_ring_self(&c);
	(void)capos_timer_now(th.timer, &t0);
	for (uint32_t i = 0; err == CAPOS_OK && i < 50; i++) {
		uint64_t ns;

		ok += capos_ring_nop(c) == CAPOS_OK;
		ok += capos_timer_now(th.timer, &ns) == CAPOS_OK;
	}
	(void)capos_timer_now(th.timer, &t1);
	int still = !r.awake;
	if (err == CAPOS_OK)
		err = capos_thread_join(t, &code);
	printf("threadtest: sleep: 100 completions while a thread sleeps -> %s, it was still "
	       "asleep %d, joined with %lld\n",
	       capos_error_name(err), still, (long long)code);
	th_check("sleep: a sleeping thread delays no other ring",
		 err == CAPOS_OK && ok == 100 && still && code == 7 && t1 - t0 < 300 * TH_MS);
}

/* The receiver: one RECV on th.ep, RETURN of the params' first byte + 1. */
static int64_t th_receiver(void *arg)
{
	struct th_report *r = arg;
	struct capos_ring_client *c;
	struct capos_sqe *sqe;
	struct capos_cqe cqe;
	static uint8_t buf[256], reply[8];
	int err = capos_ring_self(&c);

	if (err == CAPOS_OK)
		err = capos_ring_get_sqe(c, &sqe);
	if (err)
		return 90;
	sqe->opcode = CAPOS_OP_RECV;
	sqe->cap = th.ep;
	sqe->result_addr = (uint64_t)(uintptr_t)buf;
	sqe->result_len = sizeof(buf);
	sqe->user_data = 0x5ec5;
	capos_ring_submit(c);
	err = capos_ring_wait(c, 0x5ec5, CAPOS_TIMEOUT_INFINITE, &cqe);
	if (err || cqe.status != CAPOS_OK || capos_ring_get_sqe(c, &sqe))
		return 91;
	reply[0] = (uint8_t)(buf[sizeof(struct capos_recv_header)] + 1);
	sqe->opcode = CAPOS_OP_RETURN;
	sqe->cap = th.ep;
	sqe->aux = cqe.call_id;
	sqe->addr = (uint64_t)(uintptr_t)reply;
	sqe->len = 1;
	sqe->user_data = 0x5ec6;
	capos_ring_submit(c);
	err = capos_ring_wait(c, 0x5ec6, CAPOS_TIMEOUT_INFINITE, &cqe);
	r->served = err == CAPOS_OK && cqe.status == CAPOS_OK;
	r->stashed = c->stashed;
	return 9;
}

static void th_test_recv(void)
{
	struct th_report r = { 0 };
	struct capos_thread *t;
	struct capos_ring_client *c;
	struct capos_cqe cqe = { 0 };
	uint8_t q = 41, answer[8] = { 0 };
	uint32_t facet = 0, nops = 0;
	int64_t code = 0;
	int err = capos_endpoint_client(th.ep, capos_Console_TYPE_ID, 0, &facet);

	if (err == CAPOS_OK)
		err = capos_thread_create(th_receiver, &r, 0, &t);
	if (err == CAPOS_OK)
		err = capos_timer_sleep(th.timer, 20 * TH_MS); /* it waits in RECV now */
	if (err == CAPOS_OK)
		err = capos_ring_self(&c);
	for (uint32_t i = 0; err == CAPOS_OK && i < 50; i++)
		nops += capos_ring_nop(c) == CAPOS_OK;
	int waiting = !r.served;
	if (err == CAPOS_OK)
		err = capos_ring_call(c, facet, capos_Console_TYPE_ID, 0, &q, 1, answer,
				      sizeof(answer), &cqe);
	if (err == CAPOS_OK)
		err = capos_thread_join(t, &code);
	printf("threadtest: recv: 50 NOPs while a thread waits in RECV (still waiting %d); "
	       "CALL -> %s, reply %u on the caller's ring, joined with %lld\n",
	       waiting, capos_error_name(err), answer[0], (long long)code);
	th_check("recv: the reply completes on the calling thread's ring",
		 err == CAPOS_OK && nops == 50 && waiting && r.served && answer[0] == 42 &&
			 cqe.result_len == 1 && code == 9 && r.stashed == 0 && c->stashed == 0);
	if (facet)
		(void)capos_ring_release(c, facet);
}

static int64_t th_fs_setter(void *arg)
{
	uint64_t tp;
	int type;

	(void)arg;
	th_tls_word = 77;
	__asm__ volatile("movq %%fs:0, %0" : "=r"(tp));
	int err = capos_thread_set_fs_base_call(th.threadctl, tp, &type);
	return err == CAPOS_OK && th_tls_word == 77 ? 11 : 12;
}

static void th_test_fsbase(void)
{
	struct capos_thread *t;
	int64_t code = 0;
	int err = capos_thread_create(th_fs_setter, NULL, 0, &t);

	if (err == CAPOS_OK)
		err = capos_thread_join(t, &code);
	printf("threadtest: fsbase: setFsBase(own TCB) in a thread -> joined %s with %lld\n",
	       capos_error_name(err), (long long)code);
	th_check("fsbase", err == CAPOS_OK && code == 11);
}

static int th_lookup(void)
{
	const struct capos_capset_page *cs = (const struct capos_capset_page *)capos_boot.capset;

	return capos_capset_lookup(cs, "timer", capos_Timer_TYPE_ID, &th.timer) ||
	       capos_capset_lookup(cs, "threads", capos_ThreadSpawner_TYPE_ID, &th.threads) ||
	       capos_capset_lookup(cs, "threadctl", capos_ThreadControl_TYPE_ID, &th.threadctl);
}

int main(void)
{
	const struct capos_capset_page *cs = (const struct capos_capset_page *)capos_boot.capset;

	if (th_lookup())
		return 2;
	if (capos_capset_lookup(cs, "spawner", capos_ProcessSpawner_TYPE_ID, &th.spawner))
		return th_child_main(); /* no spawner: one of init's children */
	if (capos_capset_lookup(cs, "ep", capos_Endpoint_TYPE_ID, &th.ep))
		return 2;
	printf("threadtest: start (pid %u)\n", (unsigned)capos_boot.pid);
	th_test_concurrent();
	th_test_sleep();
	th_test_recv();
	th_test_fsbase();
	th_test_hostile();
	th_test_children();
	printf("threadtest: done, exiting %d\n", th_failed);
	return th_failed;
}
