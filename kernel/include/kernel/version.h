/*
 * The kernel's version string: the boot banner (kernel/main.c) and
 * SystemStatus.summary (kernel/proc/ksys.c) report it.
 */
#ifndef KERNEL_VERSION_H
#define KERNEL_VERSION_H

#define CAPOS_VERSION "0.1.0"

#endif
