/*
 * Typed CALLs on kernel caps for the runtime (libcapos/kcaps.h). Params are framed
 * into a per-thread buffer (the CALL is synchronous, so the buffer is free again when
 * it returns); results are read from a small stack buffer with bounded limits.
 */
#include <libcapos/kcaps.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <libcapos/capset.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <schema/capos.capnp.h>

#define KCAPS_ARENA_WORDS 32u
#define KCAPS_SLEEP_PARAM_WORDS 2u /* root pointer + the one UInt64 */

static __thread uint64_t kcaps_arena[KCAPS_ARENA_WORDS];
static __thread uint64_t kcaps_framed[KCAPS_ARENA_WORDS + 1u];

int capos_kcap_find(const char *name, uint64_t interface_id, uint32_t *cache)
{
	if (*cache != 0)
		return CAPOS_OK;
	if (capos_boot.capset == 0)
		return CAPOS_ERR_NOT_FOUND; /* no CapSet page (the Linux test shim) */
	return capos_capset_lookup((const struct capos_capset_page *)capos_boot.capset, name,
				   interface_id, cache);
}

/* Frames the builder's message into kcaps_framed; its length in *len. */
static int kcaps_finish(struct capnp_builder *b, uint32_t *len)
{
	size_t n = 0;
	int err = capnp_builder_error(b);

	if (err == CAPOS_OK)
		err = capnp_builder_write_framed(b, kcaps_framed, sizeof(kcaps_framed), &n);
	*len = (uint32_t)n;
	return err;
}

/* One synchronous CALL with framed params; results (if wanted) into res. */
static int kcaps_call(uint32_t cap, uint64_t iface, uint16_t method, uint32_t plen, void *res,
		      uint32_t res_cap, uint32_t *res_len)
{
	struct capos_ring_client *c;
	struct capos_cqe cqe;
	int err = capos_ring_self(&c);

	if (err == CAPOS_OK)
		err = capos_ring_call(c, cap, iface, method, plen ? kcaps_framed : NULL, plen, res,
				      res_cap, &cqe);
	if (res_len) /* an exception's results are the CapException */
		*res_len = err == CAPOS_OK || err == CAPOS_ERR_RING_EXCEPTION ? cqe.result_len : 0;
	return err;
}

/* Framed results into a message (bounded). */
static int kcaps_results(const void *buf, uint32_t len, struct capnp_msg *m,
			 struct capnp_segment *segs)
{
	const struct capnp_limits lim = { .traversal_words = 64, .nesting = 4 };

	return capnp_msg_init_framed(m, buf, len, segs, 1, &lim, NULL);
}

/* A VirtualMemory CALL; a refusal answers the capOS code behind it (the CapException's
 * status) rather than CAPOS_ERR_RING_EXCEPTION. Results in res, their length in *rlen. */
static int kcaps_vm_call(uint32_t cap, uint16_t method, uint32_t plen, uint64_t *res,
			 uint32_t res_cap, uint32_t *rlen)
{
	struct capos_ring_client *c;
	struct capos_cqe cqe = { 0 };
	struct capnp_segment segs[1];
	struct capnp_msg m;
	struct capos_CapException_r ex;
	int err = capos_ring_self(&c);

	if (err == CAPOS_OK)
		err = capos_ring_call(c, cap, capos_VirtualMemory_TYPE_ID, method, kcaps_framed,
				      plen, res, res_cap, &cqe);
	*rlen = cqe.result_len;
	if (err == CAPOS_ERR_RING_EXCEPTION && kcaps_results(res, cqe.result_len, &m, segs) == 0 &&
	    capos_CapException_read_root(&m, &ex) == 0 && capos_CapException_get_status(&ex) != 0)
		err = capos_CapException_get_status(&ex);
	return err;
}

/* A Protection struct from CAPOS_VM_* bits. */
static void kcaps_prot(struct capos_Protection_b *pr, unsigned prot)
{
	capos_Protection_set_read(pr, (prot & CAPOS_VM_READ) != 0);
	capos_Protection_set_write(pr, (prot & CAPOS_VM_WRITE) != 0);
	capos_Protection_set_execute(pr, (prot & CAPOS_VM_EXEC) != 0);
}

int capos_vm_map(uint32_t cap, uint64_t hint, uint64_t size, unsigned prot, uint64_t *addr)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capnp_segment segs[1];
	struct capos_VirtualMemory_map_Params_b p;
	struct capos_Protection_b pr;
	struct capos_VirtualMemory_map_Results_r r;
	struct capnp_msg m;
	uint64_t res[8];
	uint32_t plen = 0, rlen = 0;
	int err = capnp_builder_init(&b, &seg, 1, kcaps_arena, sizeof(kcaps_arena));

	if (err == CAPOS_OK)
		err = capos_VirtualMemory_map_request(&b, &p);
	if (err == CAPOS_OK) {
		capos_VirtualMemory_map_Params_set_hint(&p, hint);
		capos_VirtualMemory_map_Params_set_size(&p, size);
		err = capos_VirtualMemory_map_Params_init_prot(&p, &pr);
	}
	if (err == CAPOS_OK) {
		kcaps_prot(&pr, prot);
		err = kcaps_finish(&b, &plen);
	}
	if (err == CAPOS_OK)
		err = kcaps_vm_call(cap, capos_VirtualMemory_METHOD_map, plen, res, sizeof(res),
				    &rlen);
	if (err == CAPOS_OK)
		err = kcaps_results(res, rlen, &m, segs);
	if (err == CAPOS_OK)
		err = capos_VirtualMemory_map_Results_read_root(&m, &r);
	if (err == CAPOS_OK)
		*addr = capos_VirtualMemory_map_Results_get_addr(&r);
	return err;
}

int capos_vm_reserve(uint32_t cap, uint64_t hint, uint64_t size, uint64_t *addr)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capnp_segment segs[1];
	struct capos_VirtualMemory_reserve_Params_b p;
	struct capos_VirtualMemory_reserve_Results_r r;
	struct capnp_msg m;
	uint64_t res[8];
	uint32_t plen = 0, rlen = 0;
	int err = capnp_builder_init(&b, &seg, 1, kcaps_arena, sizeof(kcaps_arena));

	if (err == CAPOS_OK)
		err = capos_VirtualMemory_reserve_request(&b, &p);
	if (err == CAPOS_OK) {
		capos_VirtualMemory_reserve_Params_set_hint(&p, hint);
		capos_VirtualMemory_reserve_Params_set_size(&p, size);
		err = kcaps_finish(&b, &plen);
	}
	if (err == CAPOS_OK)
		err = kcaps_vm_call(cap, capos_VirtualMemory_METHOD_reserve, plen, res, sizeof(res),
				    &rlen);
	if (err == CAPOS_OK)
		err = kcaps_results(res, rlen, &m, segs);
	if (err == CAPOS_OK)
		err = capos_VirtualMemory_reserve_Results_read_root(&m, &r);
	if (err == CAPOS_OK)
		*addr = capos_VirtualMemory_reserve_Results_get_addr(&r);
	return err;
}

/* commit and protect: (addr, size, prot). */
static int kcaps_vm_prot_call(uint32_t cap, uint16_t method, uint64_t addr, uint64_t size,
			      unsigned prot)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_VirtualMemory_commit_Params_b p;
	struct capos_Protection_b pr;
	uint64_t res[8];
	uint32_t plen = 0, rlen = 0;
	int err = capnp_builder_init(&b, &seg, 1, kcaps_arena, sizeof(kcaps_arena));

	if (err == CAPOS_OK)
		err = capos_VirtualMemory_commit_request(&b, &p);
	if (err == CAPOS_OK) {
		capos_VirtualMemory_commit_Params_set_addr(&p, addr);
		capos_VirtualMemory_commit_Params_set_size(&p, size);
		err = capos_VirtualMemory_commit_Params_init_prot(&p, &pr);
	}
	if (err == CAPOS_OK) {
		kcaps_prot(&pr, prot);
		err = kcaps_finish(&b, &plen);
	}
	return err ? err : kcaps_vm_call(cap, method, plen, res, sizeof(res), &rlen);
}

/* unmap, decommit and guard: (addr, size), the same params layout. */
static int kcaps_vm_range_call(uint32_t cap, uint16_t method, uint64_t addr, uint64_t size)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_VirtualMemory_unmap_Params_b p;
	uint64_t res[8];
	uint32_t plen = 0, rlen = 0;
	int err = capnp_builder_init(&b, &seg, 1, kcaps_arena, sizeof(kcaps_arena));

	if (err == CAPOS_OK)
		err = capos_VirtualMemory_unmap_request(&b, &p);
	if (err == CAPOS_OK) {
		capos_VirtualMemory_unmap_Params_set_addr(&p, addr);
		capos_VirtualMemory_unmap_Params_set_size(&p, size);
		err = kcaps_finish(&b, &plen);
	}
	return err ? err : kcaps_vm_call(cap, method, plen, res, sizeof(res), &rlen);
}

int capos_vm_unmap(uint32_t cap, uint64_t addr, uint64_t size)
{
	return kcaps_vm_range_call(cap, capos_VirtualMemory_METHOD_unmap, addr, size);
}

int capos_vm_protect(uint32_t cap, uint64_t addr, uint64_t size, unsigned prot)
{
	return kcaps_vm_prot_call(cap, capos_VirtualMemory_METHOD_protect, addr, size, prot);
}

int capos_vm_commit(uint32_t cap, uint64_t addr, uint64_t size, unsigned prot)
{
	return kcaps_vm_prot_call(cap, capos_VirtualMemory_METHOD_commit, addr, size, prot);
}

int capos_vm_decommit(uint32_t cap, uint64_t addr, uint64_t size)
{
	return kcaps_vm_range_call(cap, capos_VirtualMemory_METHOD_decommit, addr, size);
}

int capos_vm_guard(uint32_t cap, uint64_t addr, uint64_t size)
{
	return kcaps_vm_range_call(cap, capos_VirtualMemory_METHOD_guard, addr, size);
}

int capos_timer_now(uint32_t cap, uint64_t *ns)
{
	struct capnp_segment segs[1];
	struct capos_Timer_now_Results_r r;
	struct capnp_msg m;
	uint64_t res[8];
	uint32_t rlen = 0;
	int err = kcaps_call(cap, capos_Timer_TYPE_ID, capos_Timer_METHOD_now, 0, res, sizeof(res),
			     &rlen);

	if (err == CAPOS_OK)
		err = kcaps_results(res, rlen, &m, segs);
	if (err == CAPOS_OK)
		err = capos_Timer_now_Results_read_root(&m, &r);
	if (err == CAPOS_OK)
		*ns = capos_Timer_now_Results_get_ns(&r);
	return err;
}

int capos_exception_status(const void *res, uint32_t len, int *type)
{
	struct capnp_segment segs[1];
	struct capos_CapException_r ex;
	struct capnp_msg m;

	if (type)
		*type = -1;
	if (kcaps_results(res, len, &m, segs) || capos_CapException_read_root(&m, &ex))
		return CAPOS_ERR_RING_EXCEPTION;
	if (type)
		*type = (int)capos_CapException_get_type(&ex);
	return capos_CapException_get_status(&ex);
}

const char *capos_exception_type_name(int type)
{
	switch (type) {
	case capos_ExceptionType_failed:
		return "failed";
	case capos_ExceptionType_overloaded:
		return "overloaded";
	case capos_ExceptionType_disconnected:
		return "disconnected";
	case capos_ExceptionType_unimplemented:
		return "unimplemented";
	case capos_ExceptionType_invalidArgument:
		return "invalidArgument";
	default:
		return NULL;
	}
}

int capos_timer_sleep_params(uint16_t method, uint64_t v, void *buf, uint32_t buf_bytes,
			     uint32_t *len)
{
	uint64_t arena[KCAPS_SLEEP_PARAM_WORDS];
	struct capnp_builder b;
	struct capnp_bseg seg;
	size_t n = 0;
	int err = capnp_builder_init(&b, &seg, 1, arena, sizeof(arena));

	if (err == CAPOS_OK && method == capos_Timer_METHOD_sleep) {
		struct capos_Timer_sleep_Params_b p;

		if ((err = capos_Timer_sleep_request(&b, &p)) == CAPOS_OK)
			capos_Timer_sleep_Params_set_ns(&p, v);
	} else if (err == CAPOS_OK && method == capos_Timer_METHOD_sleepUntil) {
		struct capos_Timer_sleepUntil_Params_b p;

		if ((err = capos_Timer_sleepUntil_request(&b, &p)) == CAPOS_OK)
			capos_Timer_sleepUntil_Params_set_deadlineNs(&p, v);
	} else if (err == CAPOS_OK) {
		err = CAPOS_ERR_INVALID;
	}
	if (err == CAPOS_OK)
		err = capnp_builder_error(&b);
	if (err == CAPOS_OK)
		err = capnp_builder_write_framed(&b, buf, buf_bytes, &n);
	*len = (uint32_t)n;
	return err;
}

/* Timer.sleep(v) or Timer.sleepUntil(v), synchronously; a CapException's own status. */
static int kcaps_timer_wait(uint32_t cap, uint16_t method, uint64_t v)
{
	uint64_t res[16];
	uint32_t plen = 0, rlen = 0;
	int err = capos_timer_sleep_params(method, v, kcaps_framed, sizeof(kcaps_framed), &plen);

	if (err == CAPOS_OK)
		err = kcaps_call(cap, capos_Timer_TYPE_ID, method, plen, res, sizeof(res), &rlen);
	if (err == CAPOS_ERR_RING_EXCEPTION)
		err = capos_exception_status(res, rlen, NULL);
	return err;
}

int capos_timer_sleep(uint32_t cap, uint64_t ns)
{
	return kcaps_timer_wait(cap, capos_Timer_METHOD_sleep, ns);
}

int capos_timer_sleep_until(uint32_t cap, uint64_t deadline_ns)
{
	return kcaps_timer_wait(cap, capos_Timer_METHOD_sleepUntil, deadline_ns);
}

int capos_endpoint_client(uint32_t ep, uint64_t interface_id, uint64_t badge, uint32_t *facet)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_Endpoint_client_Params_b p;
	struct capos_ring_client *c;
	struct capos_cqe cqe;
	uint64_t res[16];
	uint32_t plen = 0;
	int err = capnp_builder_init(&b, &seg, 1, kcaps_arena, sizeof(kcaps_arena));

	if (err == CAPOS_OK)
		err = capos_Endpoint_client_request(&b, &p);
	if (err == CAPOS_OK) {
		capos_Endpoint_client_Params_set_interfaceId(&p, interface_id);
		capos_Endpoint_client_Params_set_badge(&p, badge);
		err = kcaps_finish(&b, &plen);
	}
	if (err == CAPOS_OK)
		err = capos_ring_self(&c);
	if (err == CAPOS_OK)
		err = capos_ring_call(c, ep, capos_Endpoint_TYPE_ID, capos_Endpoint_METHOD_client,
				      kcaps_framed, plen, res, sizeof(res), &cqe);
	if (err == CAPOS_ERR_RING_EXCEPTION)
		return capos_exception_status(res, cqe.result_len, NULL);
	if (err == CAPOS_OK)
		err = capos_ring_result_cap(&cqe, res, sizeof(res), 0, interface_id, facet);
	return err;
}

/* A synchronous CALL with framed params (kcaps_framed, plen bytes); the results read as
 * a message in *m (segs[1]). A refusal answers its CapException's status (type in
 * *type when non-NULL). */
static int kcaps_call_read(uint32_t cap, uint64_t iface, uint16_t method, uint32_t plen,
			   uint64_t *res, uint32_t res_cap, struct capnp_msg *m,
			   struct capnp_segment *segs, int *type)
{
	uint32_t rlen = 0;
	int err = kcaps_call(cap, iface, method, plen, res, res_cap, &rlen);

	if (type)
		*type = -1;
	if (err == CAPOS_ERR_RING_EXCEPTION)
		return capos_exception_status(res, rlen, type);
	return err ? err : kcaps_results(res, rlen, m, segs);
}

int capos_entropy_get_bytes(uint32_t cap, uint32_t count, void *out, uint32_t out_cap,
			    uint32_t *len, int *type)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capnp_segment segs[1];
	struct capos_EntropySource_getBytes_Params_b p;
	struct capos_EntropySource_getBytes_Results_r r;
	struct capnp_msg m;
	struct capnp_data d = { 0 };
	uint64_t res[48]; /* 256 bytes of data and the framing */
	uint32_t plen = 0;
	int err = capnp_builder_init(&b, &seg, 1, kcaps_arena, sizeof(kcaps_arena));

	*len = 0;
	if (err == CAPOS_OK)
		err = capos_EntropySource_getBytes_request(&b, &p);
	if (err == CAPOS_OK) {
		capos_EntropySource_getBytes_Params_set_count(&p, count);
		err = kcaps_finish(&b, &plen);
	}
	if (err == CAPOS_OK)
		err = kcaps_call_read(cap, capos_EntropySource_TYPE_ID,
				      capos_EntropySource_METHOD_getBytes, plen, res, sizeof(res),
				      &m, segs, type);
	if (err == CAPOS_OK)
		err = capos_EntropySource_getBytes_Results_read_root(&m, &r);
	if (err == CAPOS_OK)
		err = capos_EntropySource_getBytes_Results_get_data(&r, &d);
	if (err == CAPOS_OK && d.len > out_cap)
		err = CAPOS_ERR_BUFFER_TOO_SMALL;
	if (err == CAPOS_OK) {
		__builtin_memcpy(out, d.ptr, d.len);
		*len = d.len;
	}
	return err;
}

int capos_sched_set_weight(uint32_t cap, uint64_t thread_id, uint32_t weight, int *type)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capnp_segment segs[1];
	struct capos_SchedulingPolicy_setWeight_Params_b p;
	struct capnp_msg m;
	uint64_t res[16];
	uint32_t plen = 0;
	int err = capnp_builder_init(&b, &seg, 1, kcaps_arena, sizeof(kcaps_arena));

	if (type)
		*type = -1;
	if (err == CAPOS_OK)
		err = capos_SchedulingPolicy_setWeight_request(&b, &p);
	if (err == CAPOS_OK) {
		capos_SchedulingPolicy_setWeight_Params_set_threadId(&p, thread_id);
		capos_SchedulingPolicy_setWeight_Params_set_weight(&p, weight);
		err = kcaps_finish(&b, &plen);
	}
	if (err == CAPOS_OK)
		err = kcaps_call_read(cap, capos_SchedulingPolicy_TYPE_ID,
				      capos_SchedulingPolicy_METHOD_setWeight, plen, res,
				      sizeof(res), &m, segs, type);
	return err;
}

/* A Text field into a fixed NUL-terminated buffer. */
static int kcaps_text(const struct capnp_text *t, char *buf, uint32_t cap)
{
	if (t->len >= cap)
		return CAPOS_ERR_BUFFER_TOO_SMALL;
	__builtin_memcpy(buf, t->str, t->len);
	buf[t->len] = 0;
	return CAPOS_OK;
}

int capos_system_summary(uint32_t cap, struct capos_system_summary *out)
{
	struct capnp_segment segs[1];
	struct capos_SystemStatus_summary_Results_r r;
	struct capos_SystemSummary_r s;
	struct capnp_text version, motd;
	struct capnp_msg m;
	uint64_t res[64];
	int err =
		kcaps_call_read(cap, capos_SystemStatus_TYPE_ID, capos_SystemStatus_METHOD_summary,
				0, res, sizeof(res), &m, segs, NULL);

	if (err == CAPOS_OK)
		err = capos_SystemStatus_summary_Results_read_root(&m, &r);
	if (err == CAPOS_OK)
		err = capos_SystemStatus_summary_Results_get_summary(&r, &s);
	if (err == CAPOS_OK)
		err = capos_SystemSummary_get_version(&s, &version);
	if (err == CAPOS_OK)
		err = capos_SystemSummary_get_motd(&s, &motd);
	if (err == CAPOS_OK)
		err = kcaps_text(&version, out->version, sizeof(out->version));
	if (err == CAPOS_OK)
		err = kcaps_text(&motd, out->motd, sizeof(out->motd));
	if (err)
		return err;
	out->cpus = capos_SystemSummary_get_cpus(&s);
	out->cpus_present = capos_SystemSummary_get_cpusPresent(&s);
	out->timer_interrupts = capos_SystemSummary_get_timerInterrupts(&s);
	out->processes = capos_SystemSummary_get_processes(&s);
	out->memory_bytes = capos_SystemSummary_get_memoryBytes(&s);
	out->free_bytes = capos_SystemSummary_get_freeBytes(&s);
	out->uptime_ns = capos_SystemSummary_get_uptimeNs(&s);
	return CAPOS_OK;
}

int capos_system_shutdown(uint32_t cap, uint8_t code)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_SystemControl_shutdown_Params_b p;
	uint64_t res[16];
	uint32_t plen = 0, rlen = 0;
	int err = capnp_builder_init(&b, &seg, 1, kcaps_arena, sizeof(kcaps_arena));

	if (err == CAPOS_OK)
		err = capos_SystemControl_shutdown_request(&b, &p);
	if (err == CAPOS_OK) {
		capos_SystemControl_shutdown_Params_set_code(&p, code);
		err = kcaps_finish(&b, &plen);
	}
	if (err == CAPOS_OK)
		err = kcaps_call(cap, capos_SystemControl_TYPE_ID,
				 capos_SystemControl_METHOD_shutdown, plen, res, sizeof(res),
				 &rlen);
	if (err == CAPOS_ERR_RING_EXCEPTION)
		err = capos_exception_status(res, rlen, NULL);
	return err;
}

/* ---- FrameAllocator, MemoryObject (kernel/include/kernel/memobj.h) ---- */

/* A CALL whose refusal answers the CapException's status; results in res[0..*rlen). */
static int kcaps_obj_call(uint32_t cap, uint64_t iface, uint16_t method, uint32_t plen,
			  uint64_t *res, uint32_t res_cap, struct capos_cqe *cqe)
{
	struct capos_ring_client *c;
	int type, err = capos_ring_self(&c);

	if (err == CAPOS_OK)
		err = capos_ring_call(c, cap, iface, method, kcaps_framed, plen, res, res_cap, cqe);
	if (err == CAPOS_ERR_RING_EXCEPTION)
		err = capos_exception_status(res, cqe->result_len, &type);
	return err;
}

int capos_memobj_alloc(uint32_t frames, uint64_t pages, uint32_t *mo)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capnp_segment segs[1];
	struct capos_FrameAllocator_allocate_Params_b p;
	struct capos_FrameAllocator_allocate_Results_r r;
	struct capnp_msg m;
	struct capos_cqe cqe;
	const struct capos_xfer_result *recs;
	uint64_t res[16];
	uint32_t plen = 0, rlen = 0, index = 0;
	int err = capnp_builder_init(&b, &seg, 1, kcaps_arena, sizeof(kcaps_arena));

	if (err == CAPOS_OK)
		err = capos_FrameAllocator_allocate_request(&b, &p);
	if (err == CAPOS_OK) {
		capos_FrameAllocator_allocate_Params_set_pages(&p, pages);
		err = kcaps_finish(&b, &plen);
	}
	if (err == CAPOS_OK)
		err = kcaps_obj_call(frames, capos_FrameAllocator_TYPE_ID,
				     capos_FrameAllocator_METHOD_allocate, plen, res, sizeof(res),
				     &cqe);
	if (err == CAPOS_OK && capos_ring_result_caps(&cqe, res, sizeof(res), &recs, &rlen) < 0)
		err = CAPOS_ERR_INVALID;
	if (err == CAPOS_OK)
		err = kcaps_results(res, rlen, &m, segs);
	if (err == CAPOS_OK)
		err = capos_FrameAllocator_allocate_read_results(&m, &r);
	if (err == CAPOS_OK)
		err = capos_FrameAllocator_allocate_Results_get_memory(&r, &index);
	if (err == CAPOS_OK)
		err = capos_ring_result_cap(&cqe, res, sizeof(res), index,
					    capos_MemoryObject_TYPE_ID, mo);
	return err;
}

int capos_memobj_map(uint32_t mo, uint64_t pages, unsigned prot, uint64_t *addr)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capnp_segment segs[1];
	struct capos_MemoryObject_map_Params_b p;
	struct capos_Protection_b pr;
	struct capos_MemoryObject_map_Results_r r;
	struct capnp_msg m;
	struct capos_cqe cqe;
	uint64_t res[8];
	int err = capnp_builder_init(&b, &seg, 1, kcaps_arena, sizeof(kcaps_arena));
	uint32_t plen = 0;

	if (err == CAPOS_OK)
		err = capos_MemoryObject_map_request(&b, &p);
	if (err == CAPOS_OK) {
		capos_MemoryObject_map_Params_set_pages(&p, pages);
		err = capos_MemoryObject_map_Params_init_prot(&p, &pr);
	}
	if (err == CAPOS_OK) {
		kcaps_prot(&pr, prot);
		err = kcaps_finish(&b, &plen);
	}
	if (err == CAPOS_OK)
		err = kcaps_obj_call(mo, capos_MemoryObject_TYPE_ID, capos_MemoryObject_METHOD_map,
				     plen, res, sizeof(res), &cqe);
	if (err == CAPOS_OK)
		err = kcaps_results(res, cqe.result_len, &m, segs);
	if (err == CAPOS_OK)
		err = capos_MemoryObject_map_read_results(&m, &r);
	if (err == CAPOS_OK)
		*addr = capos_MemoryObject_map_Results_get_addr(&r);
	return err;
}

/* ---- ThreadSpawner, ThreadHandle, ThreadControl (docs/kernel-proc.md "Threads") ---- */

int capos_thread_spawn_call(uint32_t cap, const struct capos_thread_spawn_args *a,
			    struct capos_thread_spawned *out, int *type)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capnp_segment segs[1];
	struct capnp_msg m;
	struct capos_ThreadSpawner_spawn_Params_b p;
	struct capos_ThreadSpawner_spawn_Results_r r;
	struct capos_cqe cqe;
	struct capos_ring_client *c;
	const struct capos_xfer_result *recs;
	uint64_t res[16];
	uint32_t plen = 0, rlen = 0;
	int err = capnp_builder_init(&b, &seg, 1, kcaps_arena, sizeof(kcaps_arena));

	*type = -1;
	if (err == CAPOS_OK)
		err = capos_ThreadSpawner_spawn_request(&b, &p);
	if (err == CAPOS_OK) {
		capos_ThreadSpawner_spawn_Params_set_entry(&p, a->entry);
		capos_ThreadSpawner_spawn_Params_set_stackTop(&p, a->stack_top);
		capos_ThreadSpawner_spawn_Params_set_arg(&p, a->arg);
		capos_ThreadSpawner_spawn_Params_set_fsBase(&p, a->fs_base);
		err = kcaps_finish(&b, &plen);
	}
	if (err == CAPOS_OK)
		err = capos_ring_self(&c);
	if (err == CAPOS_OK)
		err = capos_ring_call(c, cap, capos_ThreadSpawner_TYPE_ID,
				      capos_ThreadSpawner_METHOD_spawn, kcaps_framed, plen, res,
				      sizeof(res), &cqe);
	if (err == CAPOS_ERR_RING_EXCEPTION)
		return capos_exception_status(res, cqe.result_len, type);
	if (err == CAPOS_OK)
		err = capos_ring_result_cap(&cqe, res, sizeof(res), 0, capos_ThreadHandle_TYPE_ID,
					    &out->handle);
	if (err == CAPOS_OK && capos_ring_result_caps(&cqe, res, sizeof(res), &recs, &rlen) != 1)
		err = CAPOS_ERR_INVALID; /* exactly the handle was checked just above */
	if (err == CAPOS_OK)
		err = kcaps_results(res, rlen, &m, segs);
	if (err == CAPOS_OK)
		err = capos_ThreadSpawner_spawn_Results_read_root(&m, &r);
	if (err == CAPOS_OK) {
		out->thread_id = capos_ThreadSpawner_spawn_Results_get_threadId(&r);
		out->ring = capos_ThreadSpawner_spawn_Results_get_ring(&r);
	}
	return err;
}

int capos_thread_join_call(uint32_t handle, int64_t *exit_code, int *type)
{
	struct capnp_segment segs[1];
	struct capnp_msg m;
	struct capos_ThreadHandle_join_Results_r r;
	uint64_t res[8];
	int err =
		kcaps_call_read(handle, capos_ThreadHandle_TYPE_ID, capos_ThreadHandle_METHOD_join,
				0, res, sizeof(res), &m, segs, type);

	if (err == CAPOS_OK)
		err = capos_ThreadHandle_join_Results_read_root(&m, &r);
	if (err == CAPOS_OK)
		*exit_code = capos_ThreadHandle_join_Results_get_exitCode(&r);
	return err;
}

/* ThreadControl.exit(code) / setFsBase(base): one Int64/UInt64 word of params. */
static int kcaps_thread_control(uint32_t cap, uint16_t method, uint64_t v, int *type)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_ThreadControl_setFsBase_Params_b p;
	uint64_t res[8];
	uint32_t plen = 0, rlen = 0;
	int err = capnp_builder_init(&b, &seg, 1, kcaps_arena, sizeof(kcaps_arena));

	*type = -1;
	if (err == CAPOS_OK) /* exit's params have the same layout: one word at offset 0 */
		err = capos_ThreadControl_setFsBase_request(&b, &p);
	if (err == CAPOS_OK) {
		capos_ThreadControl_setFsBase_Params_set_base(&p, v);
		err = kcaps_finish(&b, &plen);
	}
	if (err == CAPOS_OK)
		err = kcaps_call(cap, capos_ThreadControl_TYPE_ID, method, plen, res, sizeof(res),
				 &rlen);
	if (err == CAPOS_ERR_RING_EXCEPTION)
		err = capos_exception_status(res, rlen, type);
	return err;
}

int capos_thread_exit_call(uint32_t cap, int64_t code, int *type)
{
	return kcaps_thread_control(cap, capos_ThreadControl_METHOD_exit, (uint64_t)code, type);
}

int capos_thread_set_fs_base_call(uint32_t cap, uint64_t base, int *type)
{
	return kcaps_thread_control(cap, capos_ThreadControl_METHOD_setFsBase, base, type);
}
