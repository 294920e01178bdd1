#!/usr/bin/env python3
"""Where the boot to the shell prompt spends its guest instructions (docs/benchmarks.md
"Boot to the shell prompt"). Not part of `make test`; Python 3 stdlib only.

Boots build/capos.elf + build/manifest.bin like boot_bench.py's icount mode (-smp 1,
-m 128M, bench/run.py's ICOUNT_ARGS) with QEMU's `-d in_asm,exec,nochain` log sent
through a FIFO: `in_asm` gives each translation block's instruction count, `exec` (with
chaining off) names every block executed, so instructions per block start = executions
x size. Kernel blocks are attributed to the kernel symbol containing their start
(`nm`), everything below the kernel half to "low (firmware, user)": SeaBIOS and
QEMU's multiboot loader before the kernel, then user programs. Stops at the prompt
(COM2 `anonymous> `) and prints the total and the top symbols, each with the
cumulative instruction count at its first execution (where in the boot it starts).
The total runs some 8% above boot_bench's `query-replay` figure (a block that faults
or is cut short by an I/O access counts whole; the log runs on until QEMU is killed),
so read the split, not the sum.
Slow (QEMU logs every block: about 3 minutes on the project machine).

  python3 bench/boot/boot_profile.py [--top N]
"""
import argparse
import bisect
import collections
import os
import re
import subprocess
import sys
import tempfile
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "qemu"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import harness  # noqa: E402
from run import ICOUNT_ARGS  # noqa: E402

USER_TOP = 0x0000800000000000
PROMPT = re.compile(rb"(^|\n)anonymous> ")
TRACE = re.compile(r"Trace \d+: 0x[0-9a-f]+ \[[0-9a-f]+/([0-9a-f]+)/")


class Symbols:
    """Kernel text symbols from `nm -n`, looked up by address."""

    def __init__(self, elf):
        self.addrs, self.names = [], []
        out = subprocess.run(["nm", "-n", elf], capture_output=True, text=True, check=True)
        for line in out.stdout.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "tTwW":
                self.addrs.append(int(parts[0], 16))
                self.names.append(parts[2])

    def name(self, pc):
        if pc < USER_TOP:
            return "low (firmware, user)"
        i = bisect.bisect_right(self.addrs, pc) - 1
        return self.names[i] if i >= 0 else "?"


def profile(log, stop):
    """Reads the QEMU log until `stop` is set: (total, per-pc counts, first-seen)."""
    size, counts, first = {}, collections.Counter(), {}
    total, block_pc, block_n = 0, None, 0
    for line in log:
        if stop.is_set():
            break
        if line.startswith("Trace"):
            m = TRACE.match(line)
            if m:
                pc = int(m.group(1), 16)
                n = size.get(pc, 0)
                counts[pc] += n
                first.setdefault(pc, total)
                total += n
        elif line.startswith("IN:"):
            block_pc, block_n = None, 0
        elif line.startswith("0x"):
            if block_pc is None:
                block_pc = int(line.split(":")[0], 16)
            block_n += 1
        elif not line.strip() and block_pc is not None:
            size[block_pc] = block_n
            block_pc = None
    return total, counts, first


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--top", type=int, default=25, help="symbols to print")
    args = ap.parse_args()
    elf = os.path.join(harness.BUILD, "capos.elf")
    boot = harness.Boot(mode="direct", kernel=elf,
                        modules=[os.path.join(harness.BUILD, "manifest.bin")], smp=1,
                        mem="128M", extra=list(ICOUNT_ARGS))
    syms = Symbols(elf)
    with tempfile.TemporaryDirectory() as tmp:
        fifo = os.path.join(tmp, "qemu.log")
        os.mkfifo(fifo)
        argv = harness.base_argv(boot) + [
            "-serial", "null", "-serial", "stdio", "-d", "in_asm,exec,nochain", "-D", fifo]
        qemu = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                start_new_session=True)
        stop = threading.Event()

        def watch():
            seen = b""
            for chunk in iter(lambda: qemu.stdout.read1(4096), b""):
                seen = seen[-64:] + chunk
                if PROMPT.search(seen):
                    stop.set()
                    qemu.kill()
                    return

        threading.Thread(target=watch, daemon=True).start()
        try:
            with open(fifo, errors="replace") as log:
                total, counts, first = profile(log, stop)
        finally:
            qemu.kill()
            qemu.wait()
    if not stop.is_set():
        print("boot_profile: no prompt seen", file=sys.stderr)
        return 1
    by_sym, sym_first = collections.Counter(), {}
    for pc, n in counts.items():
        s = syms.name(pc)
        by_sym[s] += n
        sym_first[s] = min(sym_first.get(s, total), first[pc])
    print(f"guest instructions to the prompt: {total:,}")
    print(f"{'instructions':>14} {'share':>6} {'first at':>14}  symbol")
    for s, n in by_sym.most_common(args.top):
        print(f"{n:14,d} {100 * n / total:5.1f}% {sym_first[s]:14,d}  {s}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
