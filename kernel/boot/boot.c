/*
 * kmain's boot-information intake: chooses the Multiboot1 or Multiboot2 parser by
 * the loader magic and gives it the loader's memory through the early direct map
 * (boot.S maps physical 0..4 GiB at DIRECT_MAP_BASE), then logs the result. Every
 * rejection is one clear `[boot] error:` line with the typed error's name; kmain
 * then stops with the failure status. The boot module is then decoded as the boot
 * manifest (kernel/boot/manifest.c); the kernel's view of it (init's image and grants)
 * is kept for process start-up (boot_manifest_view(); a rejection is logged and kept
 * in boot_manifest_status()).
 */
#include <kernel/boot.h>

#include <capos/error.h>
#include <kernel/log.h>
#include <kernel/manifest.h>
#include <kernel/mm.h>

static struct kmanifest_view boot_manifest; /* valid after boot_info_load succeeds */
static bool boot_manifest_ok;

/* Loader memory is readable if the early direct map covers it. */
static const void *early_read(void *ctx, uint64_t phys, size_t len)
{
	(void)ctx;
	if (phys >= BOOT_IDENTITY_LIMIT || len > BOOT_IDENTITY_LIMIT - phys)
		return NULL;
	return phys_to_virt(phys);
}

static int parse(uint32_t magic, uint64_t info_phys, struct boot_info *bi)
{
	const void *info;

	if (magic == BOOT_MAGIC_MB1)
		return mb1_parse(early_read, NULL, info_phys, bi);
	if (magic != BOOT_MAGIC_MB2)
		return CAPOS_ERR_BOOT_MAGIC;
	info = early_read(NULL, info_phys, 8);
	if (!info)
		return CAPOS_ERR_BOOT_BAD_POINTER;
	if (!early_read(NULL, info_phys, mb2_declared_size(info)))
		return CAPOS_ERR_BOOT_BAD_SIZE;
	return mb2_parse(info, mb2_declared_size(info), info_phys, bi);
}

static const char *explain(int err)
{
	switch (err) {
	case CAPOS_ERR_BOOT_NO_MODULE:
		return "no boot module; exactly one (manifest.bin) is required";
	case CAPOS_ERR_BOOT_TOO_MANY_MODULES:
		return "more than one boot module; exactly one (manifest.bin) is required";
	case CAPOS_ERR_BOOT_MEMORY_MAP:
		return "memory map missing or unusable";
	case CAPOS_ERR_BOOT_BAD_MODULE:
		return "boot module range invalid or outside RAM";
	}
	return "boot information rejected";
}

static void log_info(const struct boot_info *bi)
{
	klog("boot", "cmdline: \"%s\"", bi->cmdline);
	klog("boot", "module: %#llx-%#llx (%llu bytes) \"%s\"",
	     (unsigned long long)bi->module.start, (unsigned long long)bi->module.end,
	     (unsigned long long)(bi->module.end - bi->module.start), bi->module.cmdline);
	klog("boot", "memory map: %u entries", bi->mmap_count);
	for (uint32_t i = 0; i < bi->mmap_count; i++)
		klog("boot", "  0x%012llx-0x%012llx %s", (unsigned long long)bi->mmap[i].base,
		     (unsigned long long)(bi->mmap[i].base + bi->mmap[i].length),
		     boot_mem_type_name(bi->mmap[i].type));
	if (bi->rsdp_len)
		klog("boot", "acpi: RSDP copy from the loader (%u bytes)", bi->rsdp_len);
}

const struct kmanifest_view *boot_manifest_view(void)
{
	return boot_manifest_ok ? &boot_manifest : NULL;
}

static int boot_manifest_err = CAPOS_ERR_NOT_FOUND; /* until load_manifest runs */

int boot_manifest_status(void)
{
	return boot_manifest_ok ? CAPOS_OK : boot_manifest_err;
}

/*
 * Decode the (already range-checked) module as the boot manifest and log the result.
 * A rejected manifest is logged (no view is kept) but does not stop the boot yet:
 * nothing starts init from the view so far, and kproc's utest= scenarios pass a bare
 * ELF as the module. Starting init will turn boot_manifest_status() into a fatal check.
 */
static void load_manifest(const struct boot_info *bi)
{
	uint64_t len = bi->module.end - bi->module.start;
	const void *mod = early_read(NULL, bi->module.start, len);
	struct kmanifest_error e = { .field = "(module)", .index = -1 };
	int err = CAPOS_ERR_BOOT_BAD_MODULE;

	if (mod)
		err = kmanifest_decode(mod, (size_t)len, &boot_manifest, &e);
	if (err) {
		boot_manifest_err = err;
		klog("boot", "manifest: rejected at %s index %d (%s, %d)", e.field, (int)e.index,
		     capos_error_name(err), err);
		return;
	}
	boot_manifest_ok = true;
	klog("boot", "manifest: init \"%s\" (%u bytes), %u grants", boot_manifest.init_name,
	     boot_manifest.init_image_len, boot_manifest.ngrants);
}

int boot_info_load(uint32_t magic, uint64_t info_phys, struct boot_info *bi)
{
	int err = parse(magic, info_phys, bi);

	if (!err)
		err = boot_info_check_module(bi);
	if (err) {
		klog("boot", "error: %s (%s, %d)", explain(err), capos_error_name(err), err);
		return err;
	}
	log_info(bi);
	load_manifest(bi);
	return CAPOS_OK;
}
