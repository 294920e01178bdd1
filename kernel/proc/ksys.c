/*
 * Kernel backends of the machine-wide caps (kernel/ksys.h objects; ksys_create in
 * kernel/kring.h), created for kring_grant (manifest and spawn sources
 * entropySource, systemControl, systemStatus), each a charged block paid by its
 * grantee and freed by its release op:
 *   entropy   -> krng_generate (kernel/krng.h): the kernel CSPRNG;
 *   sysctl    -> logs "[sys] shutdown requested by <name> (pid N), code C" on COM1
 *                and exits through isa-debug-exit: ARCH_EXIT_SUCCESS (host status 33)
 *                for code 0, ARCH_EXIT_FAILURE (35) otherwise; never returns (other
 *                processes simply stop with the machine);
 *   sysstatus -> CAPOS_VERSION, kernelParams.motd of the boot manifest (the module
 *                stays mapped for the whole run), CPUs online and listed, usable and
 *                free physical memory from the frame pool, arch_clock_ns, live
 *                processes.
 * Lock legend: [S] boot CPU, interrupts disabled (the figures are read unlocked: a
 * summary is a snapshot).
 */
#include <kernel/kring.h>

#include <capos/error.h>
#include <kernel/arch.h>
#include <kernel/frame.h>
#include <kernel/kcharge.h>
#include <kernel/krng.h>
#include <kernel/ksys.h>
#include <kernel/log.h>
#include <kernel/manifest.h>
#include <kernel/proc.h>
#include <kernel/version.h>
#include <schema/capos.capnp.h>

static int ksys_generate(void *ctx, void *out, size_t n)
{
	(void)ctx;
	return krng_generate(out, n);
}

static _Noreturn int ksys_shutdown(void *ctx, void *caller, uint8_t code)
{
	struct process *p = caller;

	(void)ctx;
	klog("sys", "shutdown requested by %s (pid %u), code %u", p ? p->name : "?",
	     p ? p->pid : 0u, (unsigned)code);
	arch_debug_exit(code == 0 ? ARCH_EXIT_SUCCESS : ARCH_EXIT_FAILURE);
}

static int ksys_summary(void *ctx, struct ksys_summary *out)
{
	const struct kmanifest_view *v = boot_manifest_view();
	const struct frame_pool *fp = frame_global();

	(void)ctx;
	out->version = CAPOS_VERSION;
	out->motd = v ? v->params.motd : "";
	out->motd_len = v ? v->params.motd_len : 0;
	out->cpus = arch_cpus_online();
	out->cpus_present = arch_platform_cpu_count();
	out->memory_bytes = fp ? fp->usable_frames * FRAME_SIZE : 0;
	out->free_bytes = frame_free_count() * FRAME_SIZE;
	out->uptime_ns = arch_clock_ns();
	out->processes = proc_live_count();
	out->timer_interrupts = 0;
	for (uint32_t cpu = 0; cpu < out->cpus; cpu++)
		out->timer_interrupts += arch_timer_ticks_cpu(cpu);
	return CAPOS_OK;
}

/* Release ops (last reference gone): logged like kgrant.c's, then freed. */
static void ksys_free_entropy(struct kentropy *e)
{
	klog("cap", "entropy object freed");
	kfree_charged(e);
}

static void ksys_free_sysctl(struct ksysctl *s)
{
	klog("cap", "sysctl object freed");
	kfree_charged(s);
}

static void ksys_free_sysstatus(struct ksysstatus *s)
{
	klog("cap", "sysstatus object freed");
	kfree_charged(s);
}

/* The object of `kind` initialised in `o` (zeroed, `size` bytes): its header and id. */
static int ksys_init(unsigned kind, void *o, struct kobj **obj, uint64_t *iface)
{
	int err = CAPOS_ERR_INVALID;

	switch (kind) {
	case KGRANT_ENTROPY:
		err = kentropy_init(o, ksys_generate, NULL, ksys_free_entropy);
		*iface = capos_EntropySource_TYPE_ID;
		break;
	case KGRANT_SYSCONTROL:
		err = ksysctl_init(o, ksys_shutdown, NULL, ksys_free_sysctl);
		*iface = capos_SystemControl_TYPE_ID;
		break;
	case KGRANT_SYSSTATUS:
		err = ksysstatus_init(o, ksys_summary, NULL, ksys_free_sysstatus);
		*iface = capos_SystemStatus_TYPE_ID;
		break;
	}
	*obj = o; /* struct kobj is each object's first member */
	return err;
}

static size_t ksys_size(unsigned kind)
{
	switch (kind) {
	case KGRANT_ENTROPY:
		return sizeof(struct kentropy);
	case KGRANT_SYSCONTROL:
		return sizeof(struct ksysctl);
	case KGRANT_SYSSTATUS:
		return sizeof(struct ksysstatus);
	default:
		return 0;
	}
}

int ksys_create(unsigned kind, struct process *p, struct kobj **obj, uint64_t *iface)
{
	size_t size = ksys_size(kind);
	void *o = NULL;
	int err;

	if (size == 0)
		return CAPOS_ERR_INVALID;
	err = kzalloc_charged(p->ledger, size, &o);
	if (err)
		return err;
	err = ksys_init(kind, o, obj, iface);
	if (err)
		kfree_charged(o);
	return err;
}
