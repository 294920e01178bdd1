/*
 * Golden compile of the generated capOS schema headers under the KERNEL flags
 * (freestanding, -mgeneral-regs-only, -mcmodel=kernel, -Wall -Wextra -Werror) and, as
 * a second object, under strict ISO C17 (-std=c17 -Wpedantic). The functions below
 * use readers, builders, request builders and a dispatch skeleton the way kernel
 * capability objects will, so the accessors are code-generated, not just parsed.
 * Built as a `make test` dependency: a warning fails the build.
 */
#include "schema/capos.capnp.h"
#include "schema/manifest.capnp.h"

static int console_write_line(void *self, const struct capos_Console_writeLine_Params_r *p,
			      struct capos_Console_writeLine_Results_b *r)
{
	struct capnp_text t;
	int err = capos_Console_writeLine_Params_get_text(p, &t);

	(void)r;
	if (err)
		return err;
	*(uint32_t *)self += t.len;
	return 0;
}

static const struct capos_Console_server console_server = {
	.writeLine = console_write_line,
};

/* Dispatch one Console call (a kernel object's entry point). */
int capnp_gen_probe_console(uint32_t *written, uint16_t ordinal, struct capnp_msg *params,
			    struct capnp_builder *results);
int capnp_gen_probe_console(uint32_t *written, uint16_t ordinal, struct capnp_msg *params,
			    struct capnp_builder *results)
{
	return capos_Console_dispatch(&console_server, written, ordinal, params, results);
}

/* Build a VirtualMemory.map request (a client stub's work). */
int capnp_gen_probe_map(struct capnp_builder *msg, uint64_t size);
int capnp_gen_probe_map(struct capnp_builder *msg, uint64_t size)
{
	struct capos_VirtualMemory_map_Params_b p;
	struct capos_Protection_b prot;
	int err = capos_VirtualMemory_map_request(msg, &p);

	if (err)
		return err;
	capos_VirtualMemory_map_Params_set_size(&p, size);
	err = capos_VirtualMemory_map_Params_init_prot(&p, &prot);
	if (err)
		return err;
	capos_Protection_set_write(&prot, true);
	return capnp_builder_error(msg);
}

/* Read what the kernel needs from a manifest: version and init's binary name. */
int capnp_gen_probe_manifest(struct capnp_msg *m, struct capnp_text *init_binary);
int capnp_gen_probe_manifest(struct capnp_msg *m, struct capnp_text *init_binary)
{
	struct manifest_SystemManifest_r sm;
	struct manifest_InitConfig_r ic;
	struct manifest_ProcessEntry_r init;
	int err = manifest_SystemManifest_read_root(m, &sm);

	if (err)
		return err;
	if (manifest_SystemManifest_get_schemaVersion(&sm) != manifest_currentSchemaVersion)
		return CAPOS_ERR_UNSUPPORTED;
	err = manifest_SystemManifest_get_initConfig(&sm, &ic);
	if (!err)
		err = manifest_InitConfig_get_init(&ic, &init);
	if (!err)
		err = manifest_ProcessEntry_get_binary(&init, init_binary);
	return err;
}

/* Every interface id is known at compile time (used as switch labels by dispatch
 * tables keyed by interface id). */
#define IFACE_CASE(c, name, id)                                                                    \
	case id:                                                                                   \
		return name;
const char *capnp_gen_probe_iface_name(uint64_t id);
const char *capnp_gen_probe_iface_name(uint64_t id)
{
	switch (id) {
		capos_INTERFACES(IFACE_CASE)
	}
	return "";
}
