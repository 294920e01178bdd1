#!/usr/bin/env python3
"""Instructions per null SYSCALL round trip (kproc), under QEMU TCG with
`-icount shift=0,sleep=off`, where the guest TSC counts guest instructions.

Boots the kernel with `utest=sysbench` (kernel/include/kernel/utest.h): a user program
makes 1000 system calls with number 0 (CAPOS_SYS_INVALID, answered
CAPOS_ERR_RING_BAD_SYSCALL) between two rdtsc and exits with the ticks per call, which
the kernel logs. The figure includes the 3-instruction user loop (xor, dec, jnz) and
the syscall/sysret instructions themselves. It is deterministic: identical run to run.
Also prints the plain-TCG TSC ticks per call (host-time dependent, for orientation).
Not part of `make test`: `make bench-kproc`.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "qemu"))
import harness  # noqa: E402

EXITED = re.compile(r"^\[proc\] sysbench pid 1 exited: code (\d+) ")


def per_call(extra):
    boot = harness.Boot(mode="direct", cmdline="utest=sysbench", extra=extra, timeout=120)
    result = harness.run(boot, "bench-sysbench")
    for _, line in result.com1:
        m = EXITED.match(line.strip())
        if m and result.status == harness.EXIT_CLEAN:
            return int(m.group(1))
    raise SystemExit(f"sysbench boot failed (status {result.status}); see {result.com1_path}")


def main():
    icount = per_call(["-icount", "shift=0,sleep=off"])
    plain = per_call([])
    print(f"null syscall round trip: {icount} guest instructions per call "
          f"(-icount shift=0; includes a 3-instruction user loop)")
    print(f"plain TCG: {plain} TSC ticks per call (host-speed dependent)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
