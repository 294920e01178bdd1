/*
 * Test-only replacement of libcapos's kernel-facing pieces so that capOS user
 * programs run on the Linux build host: the two capOS system calls, the console
 * backend, thread 0's TCB and the heap's page source. Linked before libcapos.a, these
 * definitions win and libcapos's sys.o, console.o, tcb.o and heap_vm.o are not pulled
 * in; everything else (crt0, start-up, guard, hooks, sbrk and its break arithmetic,
 * newlib) is the real code.
 *   capos_sys_exit       -> Linux exit_group(code)
 *   capos_sys_cap_enter  -> CAPOS_ERR_UNSUPPORTED (there is no ring on the host)
 *   capos_console_write  -> Linux write(1, ...) (stdout and stderr both to fd 1)
 *   capos_tls_thread0    -> what the capOS loader does (include/capos/tls.h), with
 *                           libcapos's TLS helpers in a static area, FS set by
 *                           arch_prctl(ARCH_SET_FS); a refused PT_TLS gives NULL
 *   capos_heap_pages_map/unmap -> Linux mmap(MAP_FIXED_NOREPLACE)/munmap at the
 *                           heap window, within SHIM_HEAP_QUOTA bytes (a stand-in for
 *                           the frame quota: beyond it CAPOS_ERR_RING_QUOTA)
 */
#include <libcapos/console.h>
#include <libcapos/heap.h>
#include <libcapos/sys.h>
#include <libcapos/tls.h>

#include <capos/error.h>

#define LINUX_SYS_WRITE 1
#define LINUX_SYS_EXIT_GROUP 231
#define LINUX_SYS_MMAP 9
#define LINUX_SYS_MUNMAP 11
#define LINUX_SYS_ARCH_PRCTL 158
#define LINUX_ARCH_SET_FS 0x1002
#define LINUX_PROT_RW 3
#define LINUX_MAP_PRIVATE_ANON_FIXED_NOREPLACE (0x02 | 0x20 | 0x100000)
#define SHIM_HEAP_QUOTA (1024u * 1024u)

static long shim_syscall3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

static long shim_syscall6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

extern const unsigned char __ehdr_start[] __attribute__((visibility("hidden")));
static _Alignas(4096) unsigned char shim_tls_area[CAPOS_TLS_MAX_SIZE + 2 * CAPOS_TLS_MAX_ALIGN +
						  CAPOS_TCB_SIZE];

struct capos_tcb *capos_tls_thread0(void)
{
	struct capos_tls_image img;
	struct capos_tls_plan plan;
	struct capos_tcb *tcb;

	capos_tls_find_image(__ehdr_start, &img);
	if (capos_tls_plan(&img, &plan) != CAPOS_OK ||
	    capos_tls_install(&img, &plan, shim_tls_area, sizeof(shim_tls_area), 0, &tcb) !=
		    CAPOS_OK ||
	    shim_syscall3(LINUX_SYS_ARCH_PRCTL, LINUX_ARCH_SET_FS, (long)(uintptr_t)tcb, 0) != 0)
		return NULL;
	return tcb;
}

static uint64_t shim_heap_bytes;

int capos_heap_pages_map(uint64_t addr, uint64_t size)
{
	long r;

	if (size > SHIM_HEAP_QUOTA - shim_heap_bytes)
		return CAPOS_ERR_RING_QUOTA;
	r = shim_syscall6(LINUX_SYS_MMAP, (long)addr, (long)size, LINUX_PROT_RW,
			  LINUX_MAP_PRIVATE_ANON_FIXED_NOREPLACE, -1, 0);
	if (r != (long)addr)
		return CAPOS_ERR_NO_MEMORY;
	shim_heap_bytes += size;
	return CAPOS_OK;
}

int capos_heap_pages_unmap(uint64_t addr, uint64_t size)
{
	if (shim_syscall3(LINUX_SYS_MUNMAP, (long)addr, (long)size, 0) != 0)
		return CAPOS_ERR_INVALID;
	shim_heap_bytes -= size;
	return CAPOS_OK;
}

int64_t capos_sys_cap_enter(uint64_t min_complete, uint64_t timeout_ns)
{
	(void)min_complete;
	(void)timeout_ns;
	return CAPOS_ERR_UNSUPPORTED;
}

_Noreturn void capos_sys_exit(int64_t code)
{
	for (;;)
		shim_syscall3(LINUX_SYS_EXIT_GROUP, (long)code, 0, 0);
}

int64_t capos_console_write(const void *buf, size_t len)
{
	long n = shim_syscall3(LINUX_SYS_WRITE, 1, (long)buf, (long)len);

	return n < 0 ? CAPOS_ERR_BAD_ADDRESS : n;
}
