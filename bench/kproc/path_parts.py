#!/usr/bin/env python3
"""Groups trace_path.py's per-function counts into the parts of docs/benchmarks.md's
`ipc-rtt` tables (kernel lock, kill check, clock, WFQ, TSS, run-queue locks, address
space, switch bodies, everything else), summed over the files given (the two sides of
a round trip). Not part of `make test`.

  python3 bench/kproc/trace_path.py ipc-rtt --skip 100 > srv.txt   # kipc_return side
  python3 bench/kproc/trace_path.py ipc-rtt --skip 101 > cli.txt   # kipc_call side
  python3 bench/kproc/path_parts.py srv.txt cli.txt

trace_path.py names inlined code after the function it came from, so a part is the
instructions of the functions listed for it; the rest is "everything else" (ring, IPC,
entry/exit).
"""
import re
import sys

PARTS = [
    ("kernel lock [K]", {"percpu_klock_held", "klock_acquire", "spin_ticket",
                         "spin_ticket_ready", "percpu_set_klock_held", "klock_release",
                         "klock_held"}),
    ("kill check", {"proc_thread_killed", "proc_user_thread_killed", "syscall_exit_if_killed"}),
    ("clock", {"arch_clock_ns", "cpu_rdtsc", "tscns_to_ns"}),
    ("WFQ", {"wfq_place", "wfq_before", "sched_switch_queue", "wfq_vdelta_of", "wfq_switch",
             "wfq_update_min"}),
    ("TSS.RSP0", {"arch_set_kernel_stack", "percpu_cpu_index", "smp_cpu"}),
    ("[RQ] locks", {"spin_lock", "spin_unlock", "sched_lock_pair"}),
    ("address space", {"vm_activate", "vm_load", "cpumask_of", "cpumask_set_atomic",
                       "arch_mm_activate", "cpu_write_cr3"}),
    ("switch and handoff bodies", {"sched_block_handoff", "sched_mark_blocked",
                                   "sched_switch_locked", "sched_switch_to",
                                   "list_node_linked", "percpu_sched", "arch_this_cpu",
                                   "percpu_set_current"}),
    ("arch_switch (FPU state, FS/GS bases, stacks)", {"arch_switch", "xstate_save",
                                                     "fsbase_read", "rdmsr",
                                                     "xstate_restore",
                                                     "arch_switch_stacks"}),
]
LINE = re.compile(r"^\s*(\d+) (\S+)$")


def main(paths):
    counts = {name: 0 for name, _ in PARTS}
    counts["everything else"] = 0
    total = 0
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                m = LINE.match(line)
                if not m:
                    continue
                n, fn = int(m.group(1)), m.group(2)
                total += n
                name = next((p for p, fns in PARTS if fn in fns), "everything else")
                counts[name] += n
    for name, n in counts.items():
        print(f"{n:6d}  {name}")
    print(f"{total:6d}  total kernel instructions")
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1:]))
