/*
 * kv: the KeyValue service of the demo graph (schema/demo.capnp, docs/demo.md). A
 * bounded table (KV_SLOTS entries, keys 1..KV_KEY_MAX bytes, values 0..KV_VALUE_MAX
 * bytes) served on its raw endpoint `api` with the libcapos server runtime. A client
 * may hand it a Notifier (`watch`, a cap sent with the call); after every later
 * successful put the store CALLs the notifier back before answering the put. One line
 * per call on its console. Errors: oversize key/value -> invalidArgument
 * (CAPOS_ERR_DEMO_KEY_TOO_LONG / _VALUE_TOO_LONG); full table -> outcome tableFull.
 * Exits 0 when the endpoint is closed, 1 on a runtime error.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <capos/error.h>
#include <capos/ring.h>
#include <capos/syscall.h>
#include <libcapos/ring.h>
#include <libcapos/server.h>
#include <schema/demo.capnp.h>

#define KV_SLOTS 4u
#define KV_KEY_MAX 32u
#define KV_VALUE_MAX 128u
#define KV_NO_WATCHER UINT32_MAX

struct kv_entry {
	uint32_t klen, vlen; /* klen 0: free */
	char key[KV_KEY_MAX];
	char value[KV_VALUE_MAX];
};

static struct capos_server kv_srv;
static struct capos_ring_client *kv_ring;
static struct kv_entry kv_table[KV_SLOTS];
static uint32_t kv_watcher = KV_NO_WATCHER;
static uint64_t kv_arena[128];
static uint64_t kv_framed[130];
static uint64_t kv_res[16];

static struct kv_entry *kv_find(const struct capnp_text *k)
{
	for (uint32_t i = 0; i < KV_SLOTS; i++)
		if (kv_table[i].klen == k->len && memcmp(kv_table[i].key, k->str, k->len) == 0)
			return &kv_table[i];
	return NULL;
}

static struct kv_entry *kv_free_slot(void)
{
	for (uint32_t i = 0; i < KV_SLOTS; i++)
		if (kv_table[i].klen == 0)
			return &kv_table[i];
	return NULL;
}

static int kv_check_key(const struct capnp_text *k)
{
	if (k->len == 0 || k->len > KV_KEY_MAX) {
		printf("kv: refused a key of %u bytes\n", (unsigned)k->len);
		return capos_server_fail(&kv_srv, capos_ExceptionType_invalidArgument,
					 CAPOS_ERR_DEMO_KEY_TOO_LONG, "key length");
	}
	return CAPOS_OK;
}

static void kv_release(uint32_t cap)
{
	(void)capos_ring_release(kv_ring, cap);
}

/* Notifier.changed(key, value) on the watcher; a watcher that fails is dropped. */
static void kv_notify(const struct kv_entry *e)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct demo_Notifier_changed_Params_b p;
	struct capos_cqe cqe;
	size_t n = 0;
	int err;

	if (kv_watcher == KV_NO_WATCHER)
		return;
	err = capnp_builder_init(&b, &seg, 1, kv_arena, sizeof(kv_arena));
	if (err == 0)
		err = demo_Notifier_changed_request(&b, &p);
	if (err == 0) {
		(void)demo_Notifier_changed_Params_set_key(&p, e->key, e->klen);
		(void)demo_Notifier_changed_Params_set_value(&p, e->value, e->vlen);
		err = capnp_builder_error(&b);
	}
	if (err == 0)
		err = capnp_builder_write_framed(&b, kv_framed, sizeof(kv_framed), &n);
	if (err == 0)
		err = capos_ring_call(kv_ring, kv_watcher, demo_Notifier_TYPE_ID,
				      demo_Notifier_METHOD_changed, kv_framed, (uint32_t)n, kv_res,
				      sizeof(kv_res), &cqe);
	if (err == 0)
		err = cqe.status;
	if (err) {
		printf("kv: watcher failed (%s), dropped\n", capos_error_name(err));
		kv_release(kv_watcher);
		kv_watcher = KV_NO_WATCHER;
		return;
	}
	printf("kv: watcher notified\n");
}

static int kv_put(void *self, const struct demo_KeyValue_put_Params_r *p,
		  struct demo_KeyValue_put_Results_b *r)
{
	struct capnp_text k, v;
	struct kv_entry *e;
	int err = demo_KeyValue_put_Params_get_key(p, &k);

	(void)self;
	if (err == 0)
		err = demo_KeyValue_put_Params_get_value(p, &v);
	if (err)
		return err;
	err = kv_check_key(&k);
	if (err)
		return err;
	if (v.len > KV_VALUE_MAX) {
		printf("kv: refused a value of %u bytes\n", (unsigned)v.len);
		return capos_server_fail(&kv_srv, capos_ExceptionType_invalidArgument,
					 CAPOS_ERR_DEMO_VALUE_TOO_LONG, "value length");
	}
	e = kv_find(&k);
	if (e) {
		demo_KeyValue_put_Results_set_outcome(r, demo_PutOutcome_replaced);
	} else if ((e = kv_free_slot()) != NULL) {
		memcpy(e->key, k.str, k.len);
		e->klen = k.len;
		demo_KeyValue_put_Results_set_outcome(r, demo_PutOutcome_stored);
	} else {
		printf("kv: put %.*s: table full\n", (int)k.len, k.str);
		demo_KeyValue_put_Results_set_outcome(r, demo_PutOutcome_tableFull);
		return CAPOS_OK;
	}
	memcpy(e->value, v.str, v.len);
	e->vlen = v.len;
	printf("kv: put %.*s = \"%.*s\"\n", (int)k.len, k.str, (int)v.len, v.str);
	kv_notify(e);
	return CAPOS_OK;
}

static int kv_get(void *self, const struct demo_KeyValue_get_Params_r *p,
		  struct demo_KeyValue_get_Results_b *r)
{
	struct capnp_text k;
	const struct kv_entry *e;
	int err = demo_KeyValue_get_Params_get_key(p, &k);

	(void)self;
	if (err == 0)
		err = kv_check_key(&k);
	if (err)
		return err;
	e = kv_find(&k);
	printf("kv: get %.*s: %s\n", (int)k.len, k.str, e ? "found" : "not found");
	demo_KeyValue_get_Results_set_found(r, e != NULL);
	return e ? demo_KeyValue_get_Results_set_value(r, e->value, e->vlen) : CAPOS_OK;
}

static int kv_watch(void *self, const struct demo_KeyValue_watch_Params_r *p,
		    struct demo_KeyValue_watch_Results_b *r)
{
	uint32_t index, cap;
	int err = demo_KeyValue_watch_Params_get_notifier(p, &index);

	(void)self;
	(void)r;
	if (err)
		return err;
	err = capos_server_take_cap(&kv_srv, index, demo_Notifier_TYPE_ID, &cap);
	if (err)
		return capos_server_fail(&kv_srv, capos_ExceptionType_invalidArgument, err,
					 "notifier cap");
	if (kv_watcher != KV_NO_WATCHER)
		kv_release(kv_watcher);
	kv_watcher = cap;
	printf("kv: watching with a Notifier received over IPC (badge %llu)\n",
	       (unsigned long long)kv_srv.call.badge);
	return CAPOS_OK;
}

static const struct demo_KeyValue_server kv_server = { .put = kv_put,
						       .get = kv_get,
						       .watch = kv_watch };

static int kv_dispatch(void *self, uint16_t method, struct capnp_msg *params,
		       struct capnp_builder *results)
{
	return demo_KeyValue_dispatch(&kv_server, self, method, params, results);
}

static const struct capos_server_iface kv_ifaces[] = {
	{ demo_KeyValue_TYPE_ID, demo_KeyValue_METHOD_COUNT, kv_dispatch, NULL },
};

int main(void)
{
	int err = capos_ring_self(&kv_ring); /* the watcher's CALLs go through it */

	if (err == 0)
		err = capos_server_serve_named(&kv_srv, kv_ifaces, 1, "api");
	if (err) {
		printf("kv: stopped: %s\n", capos_error_name(err));
		return 1;
	}
	printf("kv: endpoint closed after %llu calls\n", (unsigned long long)kv_srv.calls);
	return 0;
}
