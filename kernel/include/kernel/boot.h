/*
 * Boot information intake for kmain (kernel/boot/boot.c): picks the parser by the
 * loader magic, reads the loader's structures through the early direct map, checks
 * the module against the memory map and logs what was found. Kernel-only. Owned by
 * kmem.
 */
#ifndef KERNEL_BOOT_H
#define KERNEL_BOOT_H

#include <kernel/bootinfo.h>

/*
 * Parses the loader's boot information into *bi and logs cmdline, module and memory
 * map under [boot]. On failure prints `[boot] error: ...` naming the typed error and
 * returns it. Errors: CAPOS_ERR_BOOT_MAGIC, any mb1_parse()/mb2_parse() error,
 * CAPOS_ERR_BOOT_BAD_MODULE (module outside RAM).
 */
int boot_info_load(uint32_t magic, uint64_t info_phys, struct boot_info *bi);

#endif
