/*
 * The capOS side of bench/run.py (docs/benchmarks.md): the boot word
 * `bench=NAME[:OPS],...` runs each named ring workload as its own process (the
 * programs of kbench_progs.S, given a Timer cap and a CapSet) and prints one result
 * line per workload on COM1:
 *   bench NAME ops=N tsc=T tsc_per_op=X.YY
 *   bench NAME unavailable reason=TEXT   (not a workload of this kernel)
 *   bench NAME error reason=TEXT         (bad OPS, spawn failure, wrong completion)
 * ipc-rtt runs two processes (kbench_ipc): an endpoint server and its client.
 * The program measures its own timed loop with rdtsc and exits with the ticks (a
 * negative exit code reports a wrong completion). Under -icount shift=0 one tick is
 * one guest instruction, user and kernel together.
 */
#include <kernel/kbench.h>

#include <capos/error.h>
#include <capos/layout.h>
#include <kernel/bootinfo.h>
#include <kernel/capset.h>
#include <kernel/captab.h>
#include <kernel/cmdline.h>
#include <kernel/endpoint.h>
#include <kernel/kring.h>
#include <kernel/log.h>
#include <kernel/mm.h>
#include <kernel/proc.h>
#include <kernel/sched.h>
#include <kernel/vm.h>
#include <schema/capos.capnp.h>

#define KBENCH_SEL_MAX 256
#define KBENCH_OPS_MAX 100000000ull
#define KBENCH_OPS_OFFSET 8 /* the patched quad in each program */

struct kbench_prog {
	const char *name;
	const uint8_t *start, *end;
	uint64_t default_ops;
	uint64_t multiple; /* ops must be a multiple of this (batch size) */
};

#define KBENCH_PROG(n) extern const uint8_t kbench_prog_##n##_start[], kbench_prog_##n##_end[]
KBENCH_PROG(null);
KBENCH_PROG(nop1);
KBENCH_PROG(nop16);
KBENCH_PROG(call);
KBENCH_PROG(ipcsrv);
KBENCH_PROG(ipccli);

/* ipc-rtt: a server and a client process around one endpoint (kbench_ipc). */
#define KBENCH_IPC_IFACE 0x1BC0FFEEull /* the interface the bench server "serves" */
#define KBENCH_WARMUP 64	       /* untimed ops before the timed loop (kbench_progs.S) */
#define KBENCH_IPC 4		       /* index of ipc-rtt (the client) in kbench_progs */
static const struct kbench_prog kbench_ipc_server = { "ipc-rtt-server", kbench_prog_ipcsrv_start,
						      kbench_prog_ipcsrv_end, 0, 1 };

static const struct kbench_prog kbench_progs[] = {
	{ "cap-enter-null", kbench_prog_null_start, kbench_prog_null_end, 200000, 1 },
	{ "ring-nop-b1", kbench_prog_nop1_start, kbench_prog_nop1_end, 100000, 1 },
	{ "ring-nop-b16", kbench_prog_nop16_start, kbench_prog_nop16_end, 160000, 16 },
	{ "cap-call", kbench_prog_call_start, kbench_prog_call_end, 50000, 1 },
	{ "ipc-rtt", kbench_prog_ipccli_start, kbench_prog_ipccli_end, 20000, 1 },
};

static bool kbench_streq(const char *a, size_t alen, const char *b)
{
	size_t i = 0;

	while (i < alen && b[i] && a[i] == b[i])
		i++;
	return i == alen && b[i] == '\0';
}

/* Creates a process running `prog` with `ops` patched in (code and stack mapped, no
 * caps, not started). */
static int kbench_load(const struct kbench_prog *prog, uint64_t ops, struct process **out)
{
	uint64_t len = (uint64_t)(prog->end - prog->start);
	uint64_t text = (len + FRAME_SIZE - 1) & ~(uint64_t)(FRAME_SIZE - 1);
	uint8_t *copy = kmalloc(len);
	struct process *p = NULL;
	int err;

	if (copy == NULL)
		return CAPOS_ERR_NO_MEMORY;
	for (uint64_t i = 0; i < len; i++)
		copy[i] = prog->start[i];
	for (unsigned i = 0; i < 8; i++)
		copy[KBENCH_OPS_OFFSET + i] = (uint8_t)(ops >> (8 * i));
	err = proc_create("ringbench", NULL, &p);
	if (err)
		goto out_copy;
	err = vm_map(&p->vm, CAPOS_USER_IMAGE_BASE, text, VM_PROT_EXEC, copy, len);
	if (err == CAPOS_OK)
		err = vm_map(&p->vm, CAPOS_USER_STACK_TOP - CAPOS_USER_STACK_SIZE,
			     CAPOS_USER_STACK_SIZE, VM_PROT_WRITE, NULL, 0);
	if (err)
		proc_destroy_unstarted(p);
	else
		*out = p;
out_copy:
	kfree(copy);
	return err;
}

/* Starts a loaded process; its exit code lands in *code at reap. On error the process
 * is destroyed. */
static int kbench_start(struct process *p, int64_t *code)
{
	const struct proc_entry e = { .rip = CAPOS_USER_IMAGE_BASE,
				      .rsp = CAPOS_USER_STACK_TOP,
				      .rsi = p->pid };
	int err;

	p->exit_sink = code;
	err = proc_thread_start(p, &e, NULL);
	if (err)
		proc_destroy_unstarted(p);
	return err;
}

/* Spawns `prog` with `ops` patched in and a Timer cap; exit code in *code at reap. */
static int kbench_spawn(const struct kbench_prog *prog, uint64_t ops, int64_t *code)
{
	struct process *p;
	int err = kbench_load(prog, ops, &p);

	if (err)
		return err;
	err = kring_grant_std(p, KGRANT_TIMER, NULL, 0);
	if (err) {
		proc_destroy_unstarted(p);
		return err;
	}
	return kbench_start(p, code);
}

/* Gives p one cap for `obj` as `iface`, named `name` in its CapSet (entry 0). */
static int kbench_grant_one(struct process *p, struct kobj *obj, uint64_t iface, const char *name,
			    size_t len)
{
	struct capos_capset_page *page = kzalloc(sizeof(*page));
	struct captab_item item = { .obj = obj, .interface_id = iface, .xfer = CAPTAB_XFER_COPY };
	uint32_t id;
	int err;

	if (page == NULL)
		return CAPOS_ERR_NO_MEMORY;
	err = capset_init(page);
	if (err == CAPOS_OK)
		err = captab_insert(p->caps, &item, &id);
	if (err == CAPOS_OK)
		err = capset_add(page, name, len, iface, id);
	if (err == CAPOS_OK)
		err = proc_map_capset(p, page);
	kfree(page);
	return err;
}

/*
 * ipc-rtt: a server process holding a fresh raw endpoint and a client process holding
 * a facet of it (granted by the kernel here, so the bench does not depend on a
 * spawner). The client's exit code is the timed loop's ticks; the server must exit 0.
 * Also logs how many direct handoffs the run took.
 */
static int kbench_ipc(uint64_t ops, int64_t *code)
{
	struct process *srv = NULL, *cli = NULL;
	struct kobj *raw = NULL, *facet = NULL;
	static int64_t srv_code;
	int err = kbench_load(&kbench_ipc_server, ops, &srv);

	if (err)
		return err;
	err = kbench_load(&kbench_progs[KBENCH_IPC], ops, &cli);
	if (err)
		goto out_srv;
	err = endpoint_create(srv, &raw);
	if (err)
		goto out_cli;
	err = endpoint_client(raw, NULL, &facet); /* bench set-up: uncharged */
	if (err == CAPOS_OK)
		err = kbench_grant_one(srv, raw, capos_Endpoint_TYPE_ID, "ep", 2);
	if (err == CAPOS_OK)
		err = kbench_grant_one(cli, facet, KBENCH_IPC_IFACE, "svc", 3);
	if (facet)
		(void)kobj_put(facet); /* the tables hold their own references */
	(void)kobj_put(raw);
	if (err)
		goto out_cli;
	uint64_t h0 = sched_total_handoffs();
	srv_code = INT64_MIN;
	err = kbench_start(srv, &srv_code);
	if (err) {
		proc_destroy_unstarted(cli);
		return err;
	}
	err = kbench_start(cli, code);
	if (err)
		return err; /* the server then waits forever: the boot reports no figure */
	sched_run_until_idle();
	klog("bench", "ipc-rtt: %llu direct handoffs over %llu round trips, server exit %lld",
	     (unsigned long long)(sched_total_handoffs() - h0),
	     (unsigned long long)(ops + KBENCH_WARMUP + 1), (long long)srv_code);
	if (srv_code != 0)
		*code = -7;
	return CAPOS_OK;
out_cli:
	proc_destroy_unstarted(cli);
out_srv:
	proc_destroy_unstarted(srv);
	return err;
}

/* One item NAME[:OPS] of the selection. */
static void kbench_one(const char *item, size_t n)
{
	size_t name_len = 0;
	const struct kbench_prog *prog = NULL;
	uint64_t ops = 0;
	int64_t code = INT64_MIN;
	int err;

	while (name_len < n && item[name_len] != ':')
		name_len++;
	for (size_t i = 0; i < sizeof(kbench_progs) / sizeof(kbench_progs[0]); i++)
		if (kbench_streq(item, name_len, kbench_progs[i].name))
			prog = &kbench_progs[i];
	if (prog == NULL) {
		klog("bench", "bench %.*s unavailable reason=not-a-capos-workload", (int)name_len,
		     item);
		return;
	}
	if (name_len == n) {
		ops = prog->default_ops;
	} else {
		for (size_t i = name_len + 1; i < n && ops <= KBENCH_OPS_MAX; i++) {
			if (item[i] < '0' || item[i] > '9') {
				ops = 0;
				break;
			}
			ops = ops * 10 + (uint64_t)(item[i] - '0');
		}
	}
	if (ops == 0 || ops > KBENCH_OPS_MAX || ops % prog->multiple) {
		klog("bench", "bench %s error reason=bad-ops", prog->name);
		return;
	}
	err = prog == &kbench_progs[KBENCH_IPC] ? kbench_ipc(ops, &code)
						: kbench_spawn(prog, ops, &code);
	if (err) {
		klog("bench", "bench %s error reason=%s", prog->name, capos_error_name(err));
		return;
	}
	sched_run_until_idle();
	if (code <= 0) {
		klog("bench", "bench %s error reason=exit-%lld", prog->name, (long long)code);
		return;
	}
	uint64_t t = (uint64_t)code;
	uint64_t hundredths = (t % ops * 100 + ops / 2) / ops; /* rounded */
	klog("bench", "bench %s ops=%llu tsc=%llu tsc_per_op=%llu.%02llu", prog->name,
	     (unsigned long long)ops, (unsigned long long)t,
	     (unsigned long long)(t / ops + hundredths / 100),
	     (unsigned long long)(hundredths % 100));
}

void kbench_run(const struct boot_info *bi)
{
	char sel[KBENCH_SEL_MAX];
	size_t i = 0;
	int err = cmdline_get_str(bi->cmdline, "bench", sel, sizeof(sel));

	if (err == CAPOS_ERR_NOT_FOUND)
		return;
	if (err) {
		klog("bench", "error: bench= value: %s", capos_error_name(err));
		return;
	}
	while (sel[i]) {
		size_t n = 0;

		while (sel[i + n] && sel[i + n] != ',')
			n++;
		if (n)
			kbench_one(&sel[i], n);
		i += n + (sel[i + n] == ',');
	}
}
