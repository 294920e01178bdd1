#!/usr/bin/env python3
"""Per-function instruction counts of one kernel path, for profiling the ring
(docs/benchmarks.md "Profiling the kernel path"). Not part of `make test`.

Boots build/capos.elf with `bench=WORKLOAD:OPS` and a gdb stub, lets the program make
SKIP system calls (its warm-up), then single-steps one whole system call: from the
SYSCALL's first kernel instruction (syscall_entry) to the first user instruction after
SYSRET. Prints the instructions executed per kernel function, in path order, and the
total (kernel instructions only; the user loop is not counted). Deterministic: TCG
single-stepping retires the same instructions as the icount run.

  python3 bench/kproc/trace_path.py cap-enter-null
  python3 bench/kproc/trace_path.py ring-nop-b16 --skip 8 --list   # every instruction
"""
import argparse
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "qemu"))
import harness  # noqa: E402

GDB_SCRIPT = r'''
import gdb
USER_TOP = 0x0000800000000000
gdb.execute("set pagination off")
gdb.execute("hbreak *syscall_entry")
for _ in range(SKIP + 1):
    gdb.execute("continue", to_string=True)
gdb.execute("delete")
order, counts, listing = [], {}, []
n = 0
while True:
    pc = int(gdb.parse_and_eval("$pc")) & 0xffffffffffffffff
    if pc < USER_TOP:
        break
    blk = gdb.block_for_pc(pc)
    fn = None
    while blk is not None and fn is None:
        fn = blk.function
        blk = blk.superblock
    name = fn.name if fn else gdb.execute("info symbol 0x%x" % pc, to_string=True).split()[0]
    if name not in counts:
        order.append(name)
        counts[name] = 0
    counts[name] += 1
    if LIST:
        listing.append(gdb.execute("x/i 0x%x" % pc, to_string=True).strip())
    n += 1
    if n > 100000:
        print("TRACE: no return to user after 100000 instructions")
        break
    gdb.execute("stepi", to_string=True)
for line in listing:
    print("TRACE-I", line)
for name in order:
    print("TRACE %6d %s" % (counts[name], name))
print("TRACE-TOTAL %d" % n)
'''


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("workload")
    ap.add_argument("--ops", type=int, default=1024)
    ap.add_argument("--skip", type=int, default=100, help="system calls to let pass first")
    ap.add_argument("--list", action="store_true", help="print every instruction")
    ap.add_argument("--port", type=int, default=1234 + os.getpid() % 20000)
    args = ap.parse_args()
    boot = harness.Boot(mode="direct", cmdline=f"bench={args.workload}:{args.ops}")
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "trace.py")
        with open(script, "w") as f:
            f.write(GDB_SCRIPT.replace("SKIP", str(args.skip)).replace("LIST", str(args.list)))
        argv = harness.base_argv(boot) + [
            "-serial", f"file:{os.path.join(tmp, 'com1.log')}", "-serial", "null",
            "-gdb", f"tcp:127.0.0.1:{args.port}", "-S"]
        qemu = subprocess.Popen(argv, stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            out = subprocess.run(["gdb", "-q", "-batch", boot.kernel, "-ex",
                                  f"target remote :{args.port}", "-x", script],
                                 capture_output=True, text=True, timeout=600).stdout
        finally:
            qemu.kill()
            qemu.wait()
    lines = [l[len("TRACE"):].lstrip("-IOTAL ") for l in out.splitlines()
             if l.startswith("TRACE")]
    if not any(l.startswith("TRACE-TOTAL") for l in out.splitlines()):
        print(out, file=sys.stderr)
        return 1
    for l in out.splitlines():
        if l.startswith("TRACE-I "):
            print(l[8:])
        elif l.startswith("TRACE-TOTAL"):
            print(f"total kernel instructions: {l.split()[1]}")
        elif l.startswith("TRACE "):
            print(l[6:])
    del lines
    return 0


if __name__ == "__main__":
    sys.exit(main())
