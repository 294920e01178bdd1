"""The case runner of the host-side benchmark tool tests (tests/bench/*_test.py): runs
every case, prints `ok <prefix>:<name>` or `not ok <prefix>:<name> - reason` with the
traceback (tests/run.py tallies them), and returns the exit status (1 if any failed)."""
import sys
import traceback


def run_cases(prefix, cases):
    failed = 0
    for fn in cases:
        try:
            fn()
            print(f"ok {prefix}:{fn.__name__}")
        except Exception as e:  # noqa: BLE001  (report every failure, keep going)
            failed += 1
            print(f"not ok {prefix}:{fn.__name__} - {type(e).__name__}: {e}")
            traceback.print_exc(file=sys.stdout)
    return 1 if failed else 0
