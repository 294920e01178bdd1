/*
 * Compile check of the ABI headers outside the host: this file is built with the
 * freestanding kernel flags and with strict ISO C17 (-pedantic) flags (tests/host/abi.mk),
 * so a header that leans on a hosted libc, on a kernel-private header or on a compiler
 * extension fails the build. The layouts' static assertions fire in every class.
 */
#include <capos/capid.h>
#include <capos/capset.h>
#include <capos/error.h>
#include <capos/layout.h>
#include <capos/ring.h>
#include <capos/syscall.h>
#include <capos/tls.h>

/* One object per header type, so the compiler lays each out for this target. */
struct capos_ring abi_check_ring;
struct capos_capset_page abi_check_capset;
struct capos_xfer abi_check_xfer;
struct capos_xfer_result abi_check_xfer_result;
struct capos_tcb abi_check_tcb;
