/*
 * SystemStatus capability object (kernel/include/kernel/ksys.h): summary() asks the
 * backend for the current figures (kernel/proc/ksys.c: version, kernelParams.motd,
 * CPUs, physical memory, uptime, live processes) and builds the SystemSummary. It
 * reads only; holding it grants no control over anything.
 */
#include <kernel/ksys.h>

#include <capos/error.h>
#include <schema/capos.capnp.h>

static void ksysstatus_release(struct kobj *obj)
{
	struct ksysstatus *s = (struct ksysstatus *)obj;

	if (s->destroy)
		s->destroy(s);
}

static const struct kobj_ops ksysstatus_ops = { .name = "sysstatus",
						.release = ksysstatus_release };

int ksysstatus_init(struct ksysstatus *s, int (*summary)(void *, struct ksys_summary *), void *ctx,
		    void (*destroy)(struct ksysstatus *))
{
	if (!s || !summary)
		return CAPOS_ERR_INVALID;
	s->summary = summary;
	s->ctx = ctx;
	s->destroy = destroy;
	return kobj_init(&s->k, KOBJ_SYSSTATUS, &ksysstatus_ops);
}

static uint32_t ksysstatus_strlen(const char *s)
{
	uint32_t n = 0;

	while (s[n])
		n++;
	return n;
}

static int ksysstatus_summary(void *self, const struct capos_SystemStatus_summary_Params_r *p,
			      struct capos_SystemStatus_summary_Results_b *r)
{
	struct ksysstatus *s = self;
	struct ksys_summary f = { 0 };
	struct capos_SystemSummary_b b;
	int err = s->summary(s->ctx, &f);

	(void)p;
	if (err == CAPOS_OK)
		err = capos_SystemStatus_summary_Results_init_summary(r, &b);
	if (err == CAPOS_OK)
		err = capos_SystemSummary_set_version(&b, f.version, ksysstatus_strlen(f.version));
	if (err == CAPOS_OK)
		err = capos_SystemSummary_set_motd(&b, f.motd, f.motd_len);
	if (err)
		return err;
	capos_SystemSummary_set_cpus(&b, f.cpus);
	capos_SystemSummary_set_cpusPresent(&b, f.cpus_present);
	capos_SystemSummary_set_memoryBytes(&b, f.memory_bytes);
	capos_SystemSummary_set_freeBytes(&b, f.free_bytes);
	capos_SystemSummary_set_uptimeNs(&b, f.uptime_ns);
	capos_SystemSummary_set_processes(&b, f.processes);
	capos_SystemSummary_set_timerInterrupts(&b, f.timer_interrupts);
	return CAPOS_OK;
}

static const struct capos_SystemStatus_server ksysstatus_server = {
	.summary = ksysstatus_summary,
};

static int ksysstatus_call(struct kcall_ctx *c)
{
	return capos_SystemStatus_dispatch(&ksysstatus_server, c->obj, c->method, c->params,
					   c->results);
}

const struct kcall_iface ksysstatus_iface = {
	.interface_id = capos_SystemStatus_TYPE_ID,
	.method_count = capos_SystemStatus_METHOD_COUNT,
	.kobj_type = KOBJ_SYSSTATUS,
	.call = ksysstatus_call,
};
