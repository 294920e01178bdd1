/*
 * init reads the boot manifest (user/init/graph.h): BootPackage.manifestSize, bounded
 * readManifest chunks into a malloc'd buffer, then lib/manifest's decode + validate with
 * images required. init trusts neither the build nor the kernel's partial check.
 */
#include "graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <schema/capos.capnp.h>

static uint64_t initm_params[16];
static uint64_t initm_framed[17];
static uint64_t initm_results[(INIT_MANIFEST_CHUNK + 256) / 8];
static char initm_text[2048];

/* Framed results into a reader (bounded). */
static int initm_results_msg(uint32_t len, struct capnp_msg *m)
{
	static struct capnp_segment segs[2];
	const struct capnp_limits lim = { .traversal_words = sizeof(initm_results) / 8 + 64,
					  .nesting = 4 };

	return capnp_msg_init_framed(m, initm_results, len, segs, 2, &lim, NULL);
}

static int initm_size(struct capos_ring_client *ring, uint32_t boot, uint64_t *size)
{
	struct capos_cqe cqe;
	struct capnp_msg m;
	struct capos_BootPackage_manifestSize_Results_r r;
	int err = capos_ring_call(ring, boot, capos_BootPackage_TYPE_ID,
				  capos_BootPackage_METHOD_manifestSize, NULL, 0, initm_results,
				  sizeof(initm_results), &cqe);

	if (err >= 0)
		err = initm_results_msg(cqe.result_len, &m);
	if (err >= 0)
		err = capos_BootPackage_manifestSize_Results_read_root(&m, &r);
	if (err >= 0)
		*size = capos_BootPackage_manifestSize_Results_get_size(&r);
	return err < 0 ? err : 0;
}

/* readManifest(off, CHUNK) appended at dst; *got gets the chunk length. */
static int initm_chunk(struct capos_ring_client *ring, uint32_t boot, uint64_t off, uint8_t *dst,
		       size_t room, size_t *got)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_BootPackage_readManifest_Params_b p;
	struct capos_BootPackage_readManifest_Results_r r;
	struct capos_cqe cqe;
	struct capnp_msg m;
	struct capnp_data d;
	size_t plen = 0;
	int err = capnp_builder_init(&b, &seg, 1, initm_params, sizeof(initm_params));

	if (err >= 0)
		err = capos_BootPackage_readManifest_request(&b, &p);
	if (err >= 0) {
		capos_BootPackage_readManifest_Params_set_offset(&p, off);
		capos_BootPackage_readManifest_Params_set_maxBytes(&p, INIT_MANIFEST_CHUNK);
		err = capnp_builder_error(&b);
	}
	if (err >= 0)
		err = capnp_builder_write_framed(&b, initm_framed, sizeof(initm_framed), &plen);
	if (err >= 0)
		err = capos_ring_call(ring, boot, capos_BootPackage_TYPE_ID,
				      capos_BootPackage_METHOD_readManifest, initm_framed,
				      (uint32_t)plen, initm_results, sizeof(initm_results), &cqe);
	if (err >= 0)
		err = initm_results_msg(cqe.result_len, &m);
	if (err >= 0)
		err = capos_BootPackage_readManifest_Results_read_root(&m, &r);
	if (err >= 0)
		err = capos_BootPackage_readManifest_Results_get_data(&r, &d);
	if (err < 0)
		return err;
	/* Before the end every chunk carries data, never more than asked or than is left. */
	if (d.len == 0 || d.len > INIT_MANIFEST_CHUNK || d.len > room)
		return CAPOS_ERR_INVALID;
	memcpy(dst, d.ptr, d.len);
	*got = d.len;
	return 0;
}

void init_manifest_free(struct init_manifest *m)
{
	free(m->plan);
	free(m->buf);
	memset(m, 0, sizeof(*m));
}

/* Print the findings of a rejected manifest, one line each. */
static void initm_print(const struct manifest_report *rep)
{
	for (uint32_t i = 0; i < rep->nfindings; i++)
		printf("init: manifest: invalid: %s (%s)\n", manifest_report_message(rep, i),
		       capos_error_name(rep->findings[i].code));
	if (rep->total > rep->nfindings)
		printf("init: manifest: invalid: %u more findings\n",
		       (unsigned)(rep->total - rep->nfindings));
}

int init_manifest_load(struct capos_ring_client *ring, uint32_t boot, struct init_manifest *m)
{
	struct manifest_report rep;
	uint64_t size = 0;
	int err;

	memset(m, 0, sizeof(*m));
	err = initm_size(ring, boot, &size);
	if (err)
		goto out_fail;
	if (size == 0 || size > MANIFEST_MAX_MESSAGE_BYTES) {
		err = CAPOS_ERR_OUT_OF_RANGE;
		goto out_fail;
	}
	m->buf = malloc((size_t)size);
	m->plan = malloc(sizeof(*m->plan));
	if (!m->buf || !m->plan) {
		err = CAPOS_ERR_NO_MEMORY;
		goto out_fail;
	}
	while (m->len < size) {
		size_t got = 0;

		err = initm_chunk(ring, boot, m->len, m->buf + m->len, (size_t)size - m->len, &got);
		if (err)
			goto out_fail;
		m->len += got;
		m->chunks++;
	}
	manifest_report_init(&rep, initm_text, sizeof(initm_text));
	err = manifest_check(m->buf, m->len, MANIFEST_CHECK_IMAGES, m->plan, &rep);
	if (err) {
		initm_print(&rep);
		goto out_free;
	}
	printf("init: manifest: %u bytes in %u chunks, valid: %u services, %u caps\n",
	       (unsigned)m->len, (unsigned)m->chunks, (unsigned)m->plan->nservices,
	       (unsigned)m->plan->ncaps);
	return 0;
out_fail:
	printf("init: manifest: cannot read it through BootPackage: %s\n", capos_error_name(err));
out_free:
	init_manifest_free(m);
	return err;
}
