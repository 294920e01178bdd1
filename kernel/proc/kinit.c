/*
 * kinit: the kernel starts init from the boot manifest (contract in kernel/kinit.h).
 *
 * The manifest was decoded and validated once, at boot (kernel/boot/boot.c,
 * kmanifest_decode); this file only acts on that view, decode-then-invoke: each grant's
 * kernel source maps to one kernel object kind, created and named with kring_grant
 * under the manifest's name; nothing the manifest does not list is granted. init's ELF
 * is loaded from the image bytes inside the module (proc_load_elf validates them again:
 * the decoder only checked the ELF identification). The kernel then runs the scheduler
 * until no process is left, so init's exit (or its death by a fault) ends the boot.
 *
 * Policy for how init ends (docs/manifest.md "How init starts"): exit status 0 with the
 * free-frame count and the live kernel-object count back at their baselines is a clean
 * boot; any other status (a kill by a
 * fault reports -1), a leaked frame or an init that cannot start is a failed boot,
 * which kmain turns into "[boot] error: ..." and the failure exit status.
 */
#include <kernel/kinit.h>

#include <kernel/capset.h>
#include <capos/error.h>
#include <kernel/bootinfo.h>
#include <kernel/frame.h>
#include <kernel/kcharge.h>
#include <kernel/kobj.h>
#include <kernel/kipc.h>
#include <kernel/kpark.h>
#include <kernel/kring.h>
#include <kernel/kterm.h>
#include <kernel/load.h>
#include <kernel/log.h>
#include <kernel/memobj.h>
#include <kernel/manifest.h>
#include <kernel/mm.h>
#include <kernel/proc.h>
#include <kernel/sched.h>
#include <kernel/spawn.h>
#include <schema/capos.capnp.h>

/*
 * Grants init the manifest's caps in order and maps its CapSet. `boot`/`size` (the
 * whole module, kernel-mapped) back BootPackage. Errors: CAPOS_ERR_NO_MEMORY,
 * CAPOS_ERR_INVALID (a source the kernel does not grant: the decoder refuses those, so
 * this is a second line), kring_grant()'s, proc_map_capset()'s.
 */
static int kinit_grant(struct process *p, const struct kmanifest_view *v, const uint8_t *boot,
		       uint64_t size)
{
	struct capos_capset_page *page = kzalloc(sizeof(*page));
	int err;

	if (page == NULL)
		return CAPOS_ERR_NO_MEMORY;
	err = capset_init(page);
	for (uint32_t i = 0; err == CAPOS_OK && i < v->ngrants; i++) {
		const struct kmanifest_grant *g = &v->grants[i];
		unsigned kind = kring_source_kind(g->source);

		err = kind ? kring_grant(p, page, kind, g->name, g->name_len, boot, size)
			   : CAPOS_ERR_INVALID;
		if (err)
			klog("init", "error: grant %u (\"%s\"): %s (%d)", i, g->name,
			     capos_error_name(err), err);
	}
	if (err == CAPOS_OK)
		err = proc_map_capset(p, page);
	kfree(page);
	return err;
}

/* Creates init, grants its caps, loads its ELF and starts its first thread; the exit
 * status will land in *code. Every failure is logged with its step. */
static int kinit_start(const struct boot_info *bi, const struct kmanifest_view *v, int64_t *code)
{
	uint64_t len = bi->module.end - bi->module.start;
	const void *module;
	struct proc_entry e;
	struct process *p;
	int err = mm_direct_range(bi->module.start, len, &module);
	const char *step = "map the boot module";

	if (err)
		goto out_log;
	struct proc_limits lim;
	step = "read its resource profile";
	err = spawn_init_profile(module, len, &lim);
	if (err)
		goto out_log;
	step = "create the process";
	err = proc_create(v->init_name, &lim, &p);
	if (err)
		goto out_log;
	step = "grant its caps";
	err = kinit_grant(p, v, module, len);
	if (err)
		goto out_destroy;
	step = "load its ELF";
	err = proc_load_elf(p, v->init_image, v->init_image_len, &e);
	if (err)
		goto out_destroy;
	p->exit_sink = code;
	step = "start its thread";
	err = proc_thread_start(p, &e, NULL);
	if (err)
		goto out_destroy;
	klog("init", "started \"%s\" (pid %u): %u-byte ELF, entry %#llx, %u caps, %llu frames",
	     v->init_name, p->pid, v->init_image_len, (unsigned long long)e.rip, v->ngrants,
	     (unsigned long long)p->ledger->used[LEDGER_FRAMES]);
	klog("init", "limits: %llu slots, %llu frames, %llu calls, %llu children, %llu threads",
	     (unsigned long long)lim.limit[LEDGER_CAP_SLOTS],
	     (unsigned long long)lim.limit[LEDGER_FRAMES],
	     (unsigned long long)lim.limit[LEDGER_CALLS],
	     (unsigned long long)lim.limit[LEDGER_CHILDREN],
	     (unsigned long long)lim.limit[LEDGER_THREADS]);
	return CAPOS_OK;
out_destroy:
	proc_destroy_unstarted(p);
out_log:
	klog("init", "error: cannot %s: %s (%d)", step, capos_error_name(err), err);
	return err;
}

int kinit_run(const struct boot_info *bi, int64_t *status)
{
	const struct kmanifest_view *v = boot_manifest_view();
	uint64_t base, after;
	uint32_t objs_base = kobj_live_count(), objs_after;
	struct kterm_stats term;
	const struct kcharge_pool *kp = mm_kcharge();
	uint64_t blocks_base = kp->live_blocks;
	int64_t code = -1;
	int err;

	if (v == NULL) {
		klog("init", "error: no decoded boot manifest");
		return CAPOS_ERR_NOT_FOUND;
	}
	base = frame_free_count();
	err = kinit_start(bi, v, &code);
	if (err) {
		klog("init", "not started, free frames %llu (baseline %llu)",
		     (unsigned long long)frame_free_count(), (unsigned long long)base);
		return err;
	}
	sched_run_until_idle();
	kipc_report();
	after = frame_free_count();
	klog("init", "exited with status %lld", (long long)code);
	objs_after = kobj_live_count();
	klog("init", "all processes gone, free frames %llu (baseline %llu)",
	     (unsigned long long)after, (unsigned long long)base);
	klog("init", "kernel objects %u (baseline %u), processes %u", objs_after, objs_base,
	     proc_live_count());
	klog("init", "revocation nodes left: %u", kring_revoke_nodes_live());
	klog("init", "timer sleeps left: %u", ksleep_live_count());
	klog("init", "parked ops left: %u", kpark_live_count());
	kterm_stats(&term);
	klog("init",
	     "terminal: %llu byte(s) received, %llu dropped (type-ahead full), %u buffered, "
	     "read pending: %s",
	     (unsigned long long)term.received, (unsigned long long)term.overflow, term.buffered,
	     term.pending ? "yes" : "no");
	klog("init",
	     "charged kernel blocks %llu (baseline %llu), %llu bytes charged; refused %llu at "
	     "the reserve, %llu by kernel-memory quotas",
	     (unsigned long long)kp->live_blocks, (unsigned long long)blocks_base,
	     (unsigned long long)kp->charged_bytes, (unsigned long long)kp->refused_low,
	     (unsigned long long)kp->refused_quota);
	klog("init", "memory objects left: %u, object mappings %u", memobj_live_count(),
	     memobj_maps_live());
	*status = code;
	if (kring_revoke_nodes_live() != 0 || ksleep_live_count() != 0 || term.pending ||
	    kpark_live_count() != 0) {
		klog("init", "error: revocation nodes, timer sleeps, a terminal read or parked "
			     "ops leaked");
		return CAPOS_ERR_INVALID;
	}
	if (kp->live_blocks != blocks_base || kp->charged_bytes != 0) {
		klog("init", "error: charged kernel memory not returned");
		return CAPOS_ERR_INVALID;
	}
	if (memobj_live_count() != 0 || memobj_maps_live() != 0) {
		klog("init", "error: memory objects or mappings leaked");
		return CAPOS_ERR_INVALID;
	}
	if (after != base) {
		klog("init", "error: %lld frame(s) not returned", (long long)(base - after));
		return CAPOS_ERR_INVALID;
	}
	if (objs_after != objs_base) {
		klog("init", "error: %d kernel object(s) not released",
		     (int)(objs_after - objs_base));
		return CAPOS_ERR_INVALID;
	}
	return CAPOS_OK;
}
