"""One bounded libFuzzer smoke run, shared by the tests/fuzz/*_smoke.py suites.

run_smoke() copies in-memory seeds into a temporary corpus (checked-in corpus
directories are passed read-only after it, so the fuzzer never writes the tree or the
build outputs), runs the target for a fixed time with final stats, keeps any crash input
under build/fuzz/findings/, and prints one line: `ok <id> - <what> (N executions in S s,
seeds: ...)` or `not ok <id> - ...` with the tail of the fuzzer's output. A crash,
sanitizer report, leak, broken property (abort) or missing stats line is a failure.
"""
import os
import re
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FINDINGS = os.path.join(ROOT, "build", "fuzz", "findings")
STATS = re.compile(r"stat::number_of_executed_units:\s*(\d+)")


def run_smoke(test_id, fuzzer, seconds, max_len, what, seeds=None, seed_dirs=()):
    """Returns 0 on success, 1 on failure (after printing the result line).
    seeds: {name: bytes}; seed_dirs: read-only corpus directories."""
    seeds = seeds or {}
    if not os.access(fuzzer, os.X_OK):
        print(f"not ok {test_id} - {fuzzer} not built")
        return 1
    names = list(seeds) + [n for d in seed_dirs for n in sorted(os.listdir(d))]
    if not names:
        print(f"not ok {test_id} - no seeds")
        return 1
    os.makedirs(FINDINGS, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"{test_id}-") as corpus:
        for name, blob in seeds.items():
            with open(os.path.join(corpus, name), "wb") as f:
                f.write(blob)
        cmd = [fuzzer, corpus, *seed_dirs, f"-max_total_time={seconds}",
               f"-max_len={max_len}", "-print_final_stats=1", "-timeout=10",
               "-rss_limit_mb=1024", f"-artifact_prefix={FINDINGS}/{test_id}-"]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, errors="replace", timeout=seconds + 120)
    m = STATS.search(proc.stdout)
    execs = int(m.group(1)) if m else 0
    if proc.returncode != 0 or not m:
        for line in proc.stdout.splitlines()[-30:]:
            print(f"#   {line}")
        print(f"not ok {test_id} - fuzzer exit {proc.returncode} after {execs} executions")
        return 1
    print(f"ok {test_id} - {what} ({execs} executions in {seconds} s, "
          f"{len(names)} seeds)")
    return 0
