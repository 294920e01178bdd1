#!/usr/bin/env python3
"""Bounded libFuzzer run of build/fuzz/capnp_reader (a `make test` suite).

Runs the fuzzer for FUZZ_SECONDS (default 30; `make fuzz` passes 600) over the
checked-in seed corpus tests/fuzz/corpus/capnp_reader (read-only: new inputs go to a
temporary directory), and prints `ok capnp-fuzz:reader - N executions in S s` or
`not ok ...` with the finding. A crash input is kept under build/fuzz/findings/.
"""
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FUZZER = os.path.join(ROOT, "build/fuzz/capnp_reader")
SEEDS = os.path.join(ROOT, "tests/fuzz/corpus/capnp_reader")
FINDINGS = os.path.join(ROOT, "build/fuzz/findings")


def main():
    secs = int(os.environ.get("FUZZ_SECONDS", "30"))
    if not os.access(FUZZER, os.X_OK):
        print(f"not ok capnp-fuzz:reader - {FUZZER} not built")
        return 1
    nseeds = len(os.listdir(SEEDS))
    if nseeds == 0:
        print("not ok capnp-fuzz:reader - empty seed corpus")
        return 1
    os.makedirs(FINDINGS, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        cmd = [FUZZER, work, SEEDS, f"-max_total_time={secs}", "-print_final_stats=1",
               "-timeout=10", "-rss_limit_mb=1024", "-max_len=16384",
               f"-artifact_prefix={FINDINGS}/"]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=secs + 120, text=True, errors="replace")
    m = re.search(r"stat::number_of_executed_units:\s*(\d+)", p.stdout)
    execs = int(m.group(1)) if m else 0
    if p.returncode != 0 or not m:
        tail = "\n".join(p.stdout.splitlines()[-25:])
        print(f"# {tail}")
        print(f"not ok capnp-fuzz:reader - fuzzer exit {p.returncode} after {execs} executions")
        return 1
    print(f"ok capnp-fuzz:reader - {execs} executions in {secs} s from {nseeds} seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
