#!/usr/bin/env python3
"""capnpc-c on hostile CodeGeneratorRequests: typed failure, never a crash.

Runs a sanitized build of the generator (build/tests/host/capnpc-c-asan, ASan+UBSan)
on malformed requests derived from the real request for test.capnp (`capnp compile
-o-`): empty input, a segment count that overflows, every truncation point on a
stride, and seeded random byte corruptions. Each run must end within 10 s with exit
status 0 or 1 (1 with a "capnpc-c:" message naming the error), no sanitizer report,
and no file written outside its scratch output directory. Truncations, and a member
name that is not an identifier, must fail with the named typed error.
Prints ok/not ok lines for tests/run.py.
"""
import os
import random
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
TOOL = os.path.join(ROOT, "build", "tests", "host", "capnpc-c-asan")
SAN_EXIT = 86
ENV = dict(os.environ, ASAN_OPTIONS="exitcode=%d:detect_leaks=0" % SAN_EXIT,
           UBSAN_OPTIONS="exitcode=%d:halt_on_error=1" % SAN_EXIT)
RANDOM_CASES = 60

results = []


def report(ok, name, why=""):
    results.append(ok)
    print(("ok " if ok else "not ok ") + name + ((" - " + why) if why and not ok else ""))


def run_tool(data):
    with tempfile.TemporaryDirectory() as scratch:
        out = os.path.join(scratch, "out")
        os.mkdir(out)
        p = subprocess.run([TOOL], cwd=out, input=data, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=ENV, timeout=10)
        stray = [e for e in os.listdir(scratch) if e != "out"]
    return p.returncode, p.stderr.decode(errors="replace"), stray


def check(name, data, must_fail=False, want=None):
    try:
        rc, err, stray = run_tool(data)
    except subprocess.TimeoutExpired:
        report(False, name, "timeout (hang)")
        return
    sanitizer = "Sanitizer" in err or "runtime error" in err or rc == SAN_EXIT or rc < 0
    ok = not sanitizer and not stray and rc in (0, 1)
    why = "rc %d stray %s stderr %s" % (rc, stray, err.strip()[-300:])
    if must_fail:
        ok = ok and rc == 1 and "capnpc-c:" in err
    if want:
        ok = ok and want in err
    report(ok, name, why)


def main():
    req = subprocess.run(["capnp", "compile", "-o-", "tests/host/capnp_gen/test.capnp"],
                         cwd=ROOT, stdout=subprocess.PIPE, check=True).stdout
    check("gen-hostile:valid-request", req)
    check("gen-hostile:empty", b"", must_fail=True, want="CAPOS_ERR_CAPNP_TRUNCATED_FRAMING")
    check("gen-hostile:segment-count-overflow", b"\xff\xff\xff\xff" + req[4:], must_fail=True,
          want="CAPOS_ERR_CAPNP_SEGMENT_COUNT")
    # A member name that is not an identifier would become broken C: refused.
    assert req.count(b"boolField\x00") == 1
    check("gen-hostile:bad-field-name", req.replace(b"boolField\x00", b"bool-ield\x00"),
          must_fail=True, want="CAPOS_ERR_CAPNP_BAD_REQUEST")
    stride = max(1, len(req) // 23)
    for cut in range(1, len(req), stride):
        check("gen-hostile:truncated-at-%d" % cut, req[:cut], must_fail=True)
    rng = random.Random(3)
    for i in range(RANDOM_CASES):
        data = bytearray(req)
        for _ in range(rng.randrange(1, 6)):
            pos = rng.randrange(8, len(data))
            data[pos] = rng.randrange(256)
        check("gen-hostile:corrupt-%d" % i, bytes(data))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
