/*
 * The capOS side of bench/run.py (docs/benchmarks.md): the boot word
 * `bench=NAME[:OPS],...` runs each named ring workload as its own process (the
 * programs of kbench_progs.S, given a Timer cap and a CapSet) and prints one result
 * line per workload on COM1:
 *   bench NAME ops=N tsc=T tsc_per_op=X.YY
 *   bench NAME unavailable reason=TEXT   (not a workload of this kernel)
 *   bench NAME error reason=TEXT         (bad OPS, spawn failure, wrong completion)
 * The program measures its own timed loop with rdtsc and exits with the ticks (a
 * negative exit code reports a wrong completion). Under -icount shift=0 one tick is
 * one guest instruction, user and kernel together.
 */
#include <kernel/kbench.h>

#include <capos/error.h>
#include <capos/layout.h>
#include <kernel/bootinfo.h>
#include <kernel/cmdline.h>
#include <kernel/kring.h>
#include <kernel/log.h>
#include <kernel/mm.h>
#include <kernel/proc.h>
#include <kernel/sched.h>
#include <kernel/vm.h>

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

static const struct kbench_prog kbench_progs[] = {
	{ "cap-enter-null", kbench_prog_null_start, kbench_prog_null_end, 200000, 1 },
	{ "ring-nop-b1", kbench_prog_nop1_start, kbench_prog_nop1_end, 100000, 1 },
	{ "ring-nop-b16", kbench_prog_nop16_start, kbench_prog_nop16_end, 160000, 16 },
	{ "cap-call", kbench_prog_call_start, kbench_prog_call_end, 50000, 1 },
};

static bool kbench_streq(const char *a, size_t alen, const char *b)
{
	size_t i = 0;

	while (i < alen && b[i] && a[i] == b[i])
		i++;
	return i == alen && b[i] == '\0';
}

/* Spawns `prog` with `ops` patched in; its exit code lands in *code at reap. */
static int kbench_spawn(const struct kbench_prog *prog, uint64_t ops, int64_t *code)
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
	err = proc_create("ringbench", PROC_DEFAULT_FRAME_QUOTA, PROC_DEFAULT_CAP_SLOTS, &p);
	if (err)
		goto out_copy;
	err = vm_map(&p->vm, CAPOS_USER_IMAGE_BASE, text, VM_PROT_EXEC, copy, len);
	if (err == CAPOS_OK)
		err = vm_map(&p->vm, CAPOS_USER_STACK_TOP - CAPOS_USER_STACK_SIZE,
			     CAPOS_USER_STACK_SIZE, VM_PROT_WRITE, NULL, 0);
	if (err == CAPOS_OK)
		err = kring_grant_std(p, KGRANT_TIMER, NULL, 0);
	if (err == CAPOS_OK) {
		const struct proc_entry e = { .rip = CAPOS_USER_IMAGE_BASE,
					      .rsp = CAPOS_USER_STACK_TOP,
					      .rsi = p->pid };
		p->exit_sink = code;
		err = proc_thread_start(p, &e, NULL);
	}
	if (err)
		proc_destroy_unstarted(p);
out_copy:
	kfree(copy);
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
	err = kbench_spawn(prog, ops, &code);
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
