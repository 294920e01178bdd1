#!/usr/bin/env python3
"""Bounded smoke run of build/fuzz/manifest_fuzz (the kernel's boot-manifest decoder),
one `ok`/`not ok` line: seeded with the real boot module build/manifest.bin and the
image-less build/system/minimal.bin (copied into a temporary corpus, so the fuzzer
never writes the build outputs); CAPOS_MANIFEST_FUZZ_SECONDS (default 8, keep <= 60).
A crash, sanitizer report or broken property (abort) is a failure; the input is kept
under build/fuzz/findings/."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FUZZER = os.path.join(ROOT, "build", "fuzz", "manifest_fuzz")
SEEDS = [os.path.join(ROOT, "build", "manifest.bin"),
         os.path.join(ROOT, "build", "system", "minimal.bin")]
FINDINGS = os.path.join(ROOT, "build", "fuzz", "findings")
SECONDS = int(os.environ.get("CAPOS_MANIFEST_FUZZ_SECONDS", "8"))


def main():
    for path in [FUZZER] + SEEDS:
        if not os.path.exists(path):
            print(f"not ok manifest-fuzz - {path} not built")
            return 1
    os.makedirs(FINDINGS, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        corpus = os.path.join(work, "corpus")
        os.mkdir(corpus)
        for i, s in enumerate(SEEDS):
            shutil.copy(s, os.path.join(corpus, f"seed{i}"))
        cmd = [FUZZER, corpus, f"-max_total_time={SECONDS}", "-print_final_stats=1",
               "-timeout=10", "-rss_limit_mb=1024", "-max_len=131072",
               f"-artifact_prefix={FINDINGS}/manifest-"]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=SECONDS + 120, text=True, errors="replace")
    m = re.search(r"stat::number_of_executed_units:\s*(\d+)", p.stdout)
    execs = int(m.group(1)) if m else 0
    if p.returncode != 0 or not m:
        tail = "\n".join(p.stdout.splitlines()[-25:])
        print(f"# {tail}")
        print(f"not ok manifest-fuzz - fuzzer exit {p.returncode} after {execs} executions")
        return 1
    print(f"ok manifest-fuzz - {execs} executions in {SECONDS} s from {len(SEEDS)} seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
