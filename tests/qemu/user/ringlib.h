/*
 * Helpers shared by the ring test programs (tests/qemu/user/ring_*.c): the granted
 * caps, synchronous and raw ring submissions on this thread's shared client, and
 * params/results encoding with the generated accessors. Test code only.
 */
#ifndef RINGLIB_H
#define RINGLIB_H

#include <stdint.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <capos/ring.h>
#include <capos/syscall.h>
#include <libcapos/ring.h>

struct rt_caps {
	uint32_t console, timer, boot, vm;
};

extern struct rt_caps rt;
extern struct capos_ring_client *rt_client;

/* Attach the client and look up console/timer/boot/vm (exits 90 on failure). */
void rt_init(void);

/* Framed params in a static buffer (valid until the next builder call); length out. */
uint32_t rt_p_write(const void *data, uint32_t len, const void **out);
uint32_t rt_p_map(uint64_t hint, uint64_t size, int w, int x, const void **out);
uint32_t rt_p_protect(uint64_t addr, uint64_t size, int w, int x, const void **out);
uint32_t rt_p_unmap(uint64_t addr, uint64_t size, const void **out);
uint32_t rt_p_read(uint64_t off, uint32_t max, const void **out);

/* Synchronous CALL with a result buffer; returns the CQE status, *cqe filled. */
int rt_call(uint32_t cap, uint64_t iface, uint16_t method, const void *p, uint32_t plen, void *res,
	    uint32_t rcap, struct capos_cqe *cqe);

/* Submit a caller-built SQE (user_data set here) and wait for its CQE; status back. */
int rt_raw(const struct capos_sqe *tmpl, struct capos_cqe *cqe);

/* Framed results -> reader (bounded limits). 0 or a capnp status. */
int rt_results(const void *buf, uint32_t len, struct capnp_msg *m);

/* Timer.now through the ring (exits 91 on failure). */
uint64_t rt_now(void);

/* After raw page manipulation: take the page's indices as the client's own. */
void rt_resync(void);

#endif
