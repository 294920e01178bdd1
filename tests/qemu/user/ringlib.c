/*
 * Ring test helpers (contract in ringlib.h). Every failure of the helpers themselves
 * exits with a distinct status, so a broken harness never looks like a pass.
 */
#include "ringlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libcapos/capset.h>
#include <libcapos/runtime.h>
#include <schema/capos.capnp.h>

struct rt_caps rt;
struct capos_ring_client *rt_client;

static uint64_t rt_arena[1200];
static uint64_t rt_framed[1201];
static struct capnp_builder rt_b;
static struct capnp_bseg rt_seg;
static uint64_t rt_next_ud = 1;

static void rt_lookup(const char *name, uint64_t iface, uint32_t *cap)
{
	int err = capos_capset_lookup((const struct capos_capset_page *)capos_boot.capset, name,
				      iface, cap);

	if (err) {
		printf("rt: lookup %s: %s\n", name, capos_error_name(err));
		exit(90);
	}
}

void rt_init(void)
{
	if (capos_ring_self(&rt_client)) {
		printf("rt: no ring client\n");
		exit(90);
	}
	rt_lookup("console", capos_Console_TYPE_ID, &rt.console);
	rt_lookup("timer", capos_Timer_TYPE_ID, &rt.timer);
	rt_lookup("boot", capos_BootPackage_TYPE_ID, &rt.boot);
	rt_lookup("vm", capos_VirtualMemory_TYPE_ID, &rt.vm);
}

static void rt_start(void)
{
	if (capnp_builder_init(&rt_b, &rt_seg, 1, rt_arena, sizeof(rt_arena)))
		exit(92);
}

static uint32_t rt_finish(const void **out)
{
	size_t n = 0;

	if (capnp_builder_error(&rt_b) ||
	    capnp_builder_write_framed(&rt_b, rt_framed, sizeof(rt_framed), &n))
		exit(93);
	*out = rt_framed;
	return (uint32_t)n;
}

uint32_t rt_p_write(const void *data, uint32_t len, const void **out)
{
	struct capos_Console_write_Params_b p;

	rt_start();
	(void)capos_Console_write_request(&rt_b, &p);
	(void)capos_Console_write_Params_set_data(&p, data, len);
	return rt_finish(out);
}

uint32_t rt_p_map(uint64_t hint, uint64_t size, int w, int x, const void **out)
{
	struct capos_VirtualMemory_map_Params_b p;
	struct capos_Protection_b prot;

	rt_start();
	(void)capos_VirtualMemory_map_request(&rt_b, &p);
	capos_VirtualMemory_map_Params_set_hint(&p, hint);
	capos_VirtualMemory_map_Params_set_size(&p, size);
	(void)capos_VirtualMemory_map_Params_init_prot(&p, &prot);
	capos_Protection_set_read(&prot, true);
	capos_Protection_set_write(&prot, w != 0);
	capos_Protection_set_execute(&prot, x != 0);
	return rt_finish(out);
}

uint32_t rt_p_protect(uint64_t addr, uint64_t size, int w, int x, const void **out)
{
	struct capos_VirtualMemory_protect_Params_b p;
	struct capos_Protection_b prot;

	rt_start();
	(void)capos_VirtualMemory_protect_request(&rt_b, &p);
	capos_VirtualMemory_protect_Params_set_addr(&p, addr);
	capos_VirtualMemory_protect_Params_set_size(&p, size);
	(void)capos_VirtualMemory_protect_Params_init_prot(&p, &prot);
	capos_Protection_set_read(&prot, true);
	capos_Protection_set_write(&prot, w != 0);
	capos_Protection_set_execute(&prot, x != 0);
	return rt_finish(out);
}

uint32_t rt_p_unmap(uint64_t addr, uint64_t size, const void **out)
{
	struct capos_VirtualMemory_unmap_Params_b p;

	rt_start();
	(void)capos_VirtualMemory_unmap_request(&rt_b, &p);
	capos_VirtualMemory_unmap_Params_set_addr(&p, addr);
	capos_VirtualMemory_unmap_Params_set_size(&p, size);
	return rt_finish(out);
}

uint32_t rt_p_read(uint64_t off, uint32_t max, const void **out)
{
	struct capos_BootPackage_readManifest_Params_b p;

	rt_start();
	(void)capos_BootPackage_readManifest_request(&rt_b, &p);
	capos_BootPackage_readManifest_Params_set_offset(&p, off);
	capos_BootPackage_readManifest_Params_set_maxBytes(&p, max);
	return rt_finish(out);
}

int rt_call(uint32_t cap, uint64_t iface, uint16_t method, const void *p, uint32_t plen, void *res,
	    uint32_t rcap, struct capos_cqe *cqe)
{
	return capos_ring_call(rt_client, cap, iface, method, p, plen, res, rcap, cqe);
}

int rt_raw(const struct capos_sqe *tmpl, struct capos_cqe *cqe)
{
	struct capos_sqe *sqe;
	uint64_t ud = rt_next_ud++;
	int err = capos_ring_get_sqe(rt_client, &sqe);

	if (err)
		return err;
	*sqe = *tmpl;
	sqe->user_data = ud;
	capos_ring_submit(rt_client);
	err = capos_ring_wait(rt_client, ud, CAPOS_TIMEOUT_INFINITE, cqe);
	if (err)
		return err;
	if (cqe->user_data != ud)
		exit(94);
	return cqe->status;
}

int rt_results(const void *buf, uint32_t len, struct capnp_msg *m)
{
	static struct capnp_segment segs[4];
	const struct capnp_limits lim = { .traversal_words = 4096, .nesting = 16 };

	return capnp_msg_init_framed(m, buf, len, segs, 4, &lim, NULL);
}

uint64_t rt_now(void)
{
	uint64_t res[8];
	struct capos_cqe cqe;
	struct capnp_msg m;
	struct capos_Timer_now_Results_r r;
	int st = rt_call(rt.timer, capos_Timer_TYPE_ID, capos_Timer_METHOD_now, NULL, 0, res,
			 sizeof(res), &cqe);

	if (st || rt_results(res, cqe.result_len, &m) ||
	    capos_Timer_now_Results_read_root(&m, &r)) {
		printf("rt: Timer.now failed: %s\n", capos_error_name(st));
		exit(91);
	}
	return capos_Timer_now_Results_get_ns(&r);
}

void rt_resync(void)
{
	volatile struct capos_ring_header *h = &rt_client->ring->hdr;

	rt_client->sq_tail = rt_client->sq_published = h->sq_tail;
	rt_client->cq_head = h->cq_head;
}
