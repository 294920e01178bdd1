#!/usr/bin/env python3
"""Guest instructions per spawn + wait of a trivial process (issue 5's spawn benchmark).

Boots build/capos.elf with the spawn benchmark module (system/spawnbench.capnp:
init = user/spawnbench, packaged child = user/truemin, whose _start exits 0) under
`-icount shift=0,sleep=off -smp 1` with the fixed seed and RTC base of bench/run.py,
so one TSC tick is one guest instruction and the figure is deterministic. spawnbench
prints `bench spawn ops=N tsc=T tsc_per_op=X` on COM2 (docs/benchmarks.md grammar);
this script prints it with the ratio to Linux's posix_spawn + waitpid of true_min in
the same emulator (bench/run.py `spawn`, docs/benchmarks.md). Exit 0 on a figure.
Not part of `make test`: `make bench-spawn`.
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "qemu"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import harness  # noqa: E402
from run import ICOUNT_ARGS  # noqa: E402

MODULE = os.path.join(harness.BUILD, "bench", "spawn", "spawnbench.manifest")
LINE = re.compile(r"^bench spawn ops=(\d+) tsc=(\d+) tsc_per_op=([\d.]+)$")
# bench/run.py --linux-only spawn (icount, same QEMU flags); docs/benchmarks.md.
LINUX_SPAWN = 334227.33


def main():
    boot = harness.Boot(mode="direct", modules=[MODULE], smp=1, timeout=300,
                        extra=list(ICOUNT_ARGS))
    result = harness.run(boot, "bench-spawn")
    for line in result.com2.splitlines():
        m = LINE.match(line.strip())
        if m and result.status == harness.EXIT_CLEAN:
            per_op = float(m.group(3))
            print(line.strip())
            print(f"spawn + wait: {per_op:,.2f} guest instructions per op; Linux "
                  f"posix_spawn + waitpid {LINUX_SPAWN:,.2f}; capOS/Linux "
                  f"{per_op / LINUX_SPAWN:.3f}")
            return 0
    print(result.com2.strip())
    raise SystemExit(f"spawn benchmark failed (status {result.status}); see {result.com1_path}")


if __name__ == "__main__":
    sys.exit(main())
