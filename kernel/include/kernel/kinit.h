/*
 * kinit.h: starting init from the boot manifest (kernel/proc/kinit.c).
 *
 * boot_info_load() has already decoded and validated the boot module
 * (boot_manifest_view()); kinit_run turns that view into the first process: it creates
 * the process named by the manifest, grants exactly the caps the manifest lists for
 * init (under the manifest's names), maps the CapSet, loads init's ELF from the
 * module, runs the scheduler until every process is gone and reports how init ended.
 */
#ifndef KERNEL_KINIT_H
#define KERNEL_KINIT_H

#include <stdint.h>

struct boot_info;

/*
 * kinit_run: start init from the decoded manifest and run until no process is left.
 * Logs "[init] started ...", "[init] exited with status N", the free-frame check and
 * "[init] kernel objects N (baseline M), processes P".
 * Returns CAPOS_OK once init has ended with every frame back at its pre-init baseline,
 * with init's exit status in *status (-1: killed by a fault); the caller judges the
 * status. Errors (*status untouched unless the run happened): CAPOS_ERR_NOT_FOUND (no
 * decoded manifest), CAPOS_ERR_INVALID (frames or kernel objects not returned after
 * init ended, or a
 * grant from a source the kernel does not grant), proc_create()'s, kring_grant()'s,
 * proc_map_capset()'s, proc_load_elf()'s (CAPOS_ERR_ELF_*) and proc_thread_start()'s
 * if init could not start (each logged with the step that failed).
 * Preconditions: proc_init succeeded; called once, from kmain.
 */
int kinit_run(const struct boot_info *bi, int64_t *status);

#endif
