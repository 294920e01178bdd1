/*
 * lib/manifest/iface.c: the manifest facts shared by the kernel's decoder
 * (kernel/boot/manifest.c) and lib/manifest's validator: schema interface names and ids
 * (from the tables capnpc-c generates, never hand-written ids), the interface each
 * kernel cap source provides, the name alphabet and the ELF image plausibility check.
 * Pure and freestanding (no libc): also linked into the kernel.
 */
#include <manifest/manifest.h>

#include <schema/capos.capnp.h>
#include <schema/demo.capnp.h>
#include <schema/manifest.capnp.h>
#include <schema/session.capnp.h>

/* One entry of a generated interface table. */
struct manifest_iface {
	const char *name;
	uint64_t id;
};

#define MANIFEST_IFACE_ENTRY(cname, sname, id) { sname, id },
/* The demo services' (schema/demo.capnp) and the session services' (schema/session.capnp)
 * interfaces are named by the default system. */
static const struct manifest_iface manifest_ifaces[] = {
	capos_INTERFACES(MANIFEST_IFACE_ENTRY) manifest_INTERFACES(MANIFEST_IFACE_ENTRY)
		demo_INTERFACES(MANIFEST_IFACE_ENTRY) session_INTERFACES(MANIFEST_IFACE_ENTRY)
};
#undef MANIFEST_IFACE_ENTRY

#define MANIFEST_NIFACES (sizeof(manifest_ifaces) / sizeof(manifest_ifaces[0]))

/* Kernel sources by capos_KernelCapSource value: schema name and interface. */
static const struct manifest_iface manifest_sources[capos_KernelCapSource_COUNT] = {
	[capos_KernelCapSource_none] = { "none", 0 },
	[capos_KernelCapSource_console] = { "console", capos_Console_TYPE_ID },
	[capos_KernelCapSource_timer] = { "timer", capos_Timer_TYPE_ID },
	[capos_KernelCapSource_virtualMemory] = { "virtualMemory", capos_VirtualMemory_TYPE_ID },
	[capos_KernelCapSource_frameAllocator] = { "frameAllocator", capos_FrameAllocator_TYPE_ID },
	[capos_KernelCapSource_capabilityManager] = { "capabilityManager",
						      capos_CapabilityManager_TYPE_ID },
	[capos_KernelCapSource_endpoint] = { "endpoint", capos_Endpoint_TYPE_ID },
	[capos_KernelCapSource_threadSpawner] = { "threadSpawner", capos_ThreadSpawner_TYPE_ID },
	[capos_KernelCapSource_threadControl] = { "threadControl", capos_ThreadControl_TYPE_ID },
	[capos_KernelCapSource_parkSpace] = { "parkSpace", capos_ParkSpace_TYPE_ID },
	[capos_KernelCapSource_bootPackage] = { "bootPackage", capos_BootPackage_TYPE_ID },
	[capos_KernelCapSource_processSpawner] = { "processSpawner", capos_ProcessSpawner_TYPE_ID },
	[capos_KernelCapSource_terminal] = { "terminal", capos_TerminalSession_TYPE_ID },
	[capos_KernelCapSource_entropySource] = { "entropySource", capos_EntropySource_TYPE_ID },
	[capos_KernelCapSource_systemControl] = { "systemControl", capos_SystemControl_TYPE_ID },
	[capos_KernelCapSource_systemStatus] = { "systemStatus", capos_SystemStatus_TYPE_ID },
	[capos_KernelCapSource_sharedParkSpace] = { "sharedParkSpace",
						    capos_SharedParkSpace_TYPE_ID },
	[capos_KernelCapSource_schedulingPolicy] = { "schedulingPolicy",
						     capos_SchedulingPolicy_TYPE_ID },
};
_Static_assert(capos_KernelCapSource_COUNT == 18u,
	       "a new KernelCapSource needs its interface in manifest_sources");

static uint32_t manifest_strlen(const char *s)
{
	uint32_t n = 0;

	while (s[n])
		n++;
	return n;
}

uint64_t manifest_interface_by_name(const char *name, uint32_t len)
{
	for (size_t i = 0; i < MANIFEST_NIFACES; i++) {
		const struct manifest_iface *f = &manifest_ifaces[i];

		if (manifest_strlen(f->name) == len && __builtin_memcmp(f->name, name, len) == 0)
			return f->id;
	}
	return 0;
}

const char *manifest_interface_name(uint64_t id)
{
	for (size_t i = 0; i < MANIFEST_NIFACES; i++) {
		if (manifest_ifaces[i].id == id)
			return manifest_ifaces[i].name;
	}
	return NULL;
}

uint64_t manifest_kernel_source_interface(uint16_t source)
{
	return source < capos_KernelCapSource_COUNT ? manifest_sources[source].id : 0;
}

const char *manifest_kernel_source_name(uint16_t source)
{
	return source < capos_KernelCapSource_COUNT ? manifest_sources[source].name : NULL;
}

bool manifest_name_ok(const char *s, uint32_t len)
{
	if (len == 0 || len > MANIFEST_MAX_NAME)
		return false;
	for (uint32_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

bool manifest_image_ok(const uint8_t *p, uint32_t len)
{
	static const uint8_t magic[] = { 0x7f, 'E', 'L', 'F', 2 /* ELFCLASS64 */, 1 /* LSB */ };

	if (!p || len < 64 || len > MANIFEST_MAX_IMAGE_BYTES)
		return false;
	if (__builtin_memcmp(p, magic, sizeof(magic)) != 0)
		return false;
	return p[18] == 62 && p[19] == 0; /* e_machine == EM_X86_64 */
}
