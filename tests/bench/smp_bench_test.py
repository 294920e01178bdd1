#!/usr/bin/env python3
"""Host-side checks of the SMP scaling driver (bench/smp/smp_bench.py); boots nothing.

Covers the `smp` line parser (good lines and every refusal), the checks against the
reference checksum (a wrong result fails the run), the speedup arithmetic, medians,
ranges and the capOS/Linux ratio of the table, the retry rule for a guest stuck before
the job, the alternating boot order, and the Python reference checksum against values
printed by the C job (bench/smp/smp_work.c: `smp_linux ref 8` and `ref 96`). Prints
`ok <id>` / `not ok <id> - reason` per case (tests/run.py).
"""
import os
import stat
import sys
import tempfile
import types

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench", "smp"))
import smp_bench as sb  # noqa: E402

from cases import run_cases  # noqa: E402

CASES = []

# Printed by the C job (gcc on the host and clang in capOS agree: the boot test checks
# capOS's 96-chunk sum): build/bench/smp/smp_linux ref 8 / ref 96.
C_REF_8 = "0x422fea72960736a2"
C_REF_96 = "0x886b923b7ce2acde"


def case(fn):
    CASES.append(fn)
    return fn


def job(cfg, parts, work, total, chunks=96, s=C_REF_96):
    return (f"smp {cfg} parts={parts} chunks={chunks} work_ns={work} total_ns={total} "
            f"sum={s}")


def expect_parse_error(line, fragment):
    try:
        sb.parse_line(line)
    except sb.ParseError as e:
        assert fragment in str(e), f"{line!r}: {e}"
        return
    raise AssertionError(f"{line!r} parsed")


@case
def parse_job_line_with_prefix():
    r = sb.parse_line("[user] " + job("proc-2", 2, 500, 600) + "\r")
    assert r.cfg == "proc-2" and r.status == "ok", r
    assert r.fields == {"parts": 2, "chunks": 96, "work_ns": 500, "total_ns": 600,
                        "sum": C_REF_96}, r.fields


@case
def parse_pingpong_unavailable_error_and_others():
    r = sb.parse_line("smp pingpong rounds=4000 total_ns=160000000 ns_per_rt=40000.00")
    assert r.fields == {"rounds": 4000, "total_ns": 160000000, "ns_per_rt": 40000.0}, r
    r = sb.parse_line("smp pingpong-proc rounds=50 total_ns=2000000 ns_per_rt=40000.00")
    assert (r.cfg, r.fields["rounds"]) == ("pingpong-proc", 50), r
    r = sb.parse_line("smp thread-2 unavailable reason=no-libcapos-threads")
    assert (r.status, r.reason) == ("unavailable", "no-libcapos-threads"), r
    r = sb.parse_line("smp proc-1 error reason=CAPOS_ERR_QUOTA_FRAMES")
    assert (r.status, r.reason) == ("error", "CAPOS_ERR_QUOTA_FRAMES"), r
    assert sb.parse_line("smp-guest cpus=2") is None
    assert sb.parse_line("[proc] w pid 2 exited: code 0") is None


@case
def parse_hostile_lines():
    expect_parse_error("smp core-2 parts=2", "unknown configuration")
    expect_parse_error("smp thread-9 parts=9", "unknown configuration")
    expect_parse_error("smp pingpong-thread rounds=1", "unknown configuration")
    expect_parse_error("smp pingpong-proc rounds=4 total_ns=8 ns_per_rt=2.00 sum=0x1",
                       "bad or repeated")
    expect_parse_error(job("proc-1", 1, 5, 6).replace(" work_ns=5", ""), "missing work_ns")
    expect_parse_error(job("proc-1", 1, 5, 6) + " parts=1", "repeated")
    expect_parse_error(job("proc-1", 1, 5, 6) + " cpu=1", "bad or repeated")
    expect_parse_error(job("proc-1", 1, "5x", 6), "bad value")
    expect_parse_error(job("proc-1", 1, -5, 6), "negative")
    expect_parse_error(job("proc-1", 1, 5, 6, s="0x1234"), "bad checksum")
    expect_parse_error(job("proc-1", 1, 5, 6, s="886b923b7ce2acde00"), "bad checksum")
    expect_parse_error("smp proc-1 unavailable", "without reason")
    expect_parse_error("smp proc-1 error reason=", "without reason")
    expect_parse_error("smp pingpong rounds=4 total_ns=8", "missing ns_per_rt")
    try:
        sb.parse_output([job("proc-1", 1, 5, 6), job("proc-1", 1, 5, 6)])
    except sb.ParseError as e:
        assert "reported twice" in str(e), e
    else:
        raise AssertionError("a configuration reported twice parsed")


@case
def check_against_reference():
    ref = (96, C_REF_96)
    assert sb.check_result(sb.parse_line(job("proc-2", 2, 5, 6)), *ref) == []
    wrong = sb.check_result(sb.parse_line(job("proc-2", 2, 5, 6, s=C_REF_8)), *ref)
    assert len(wrong) == 1 and "wrong result" in wrong[0], wrong
    parts = sb.check_result(sb.parse_line(job("thread-2", 1, 5, 6)), *ref)
    assert len(parts) == 1 and "parts=1, expected 2" in parts[0], parts
    chunks = sb.check_result(sb.parse_line(job("proc-1", 1, 5, 6, chunks=8, s=C_REF_8)), *ref)
    assert len(chunks) == 1 and "chunks=8" in chunks[0], chunks
    spans = sb.check_result(sb.parse_line(job("proc-1", 1, 7, 6)), *ref)
    assert len(spans) == 1 and "work_ns=7" in spans[0], spans
    zero = sb.check_result(sb.parse_line(job("proc-1", 1, 0, 6)), *ref)
    assert len(zero) == 1, zero
    assert sb.check_result(sb.parse_line("smp proc-1 unavailable reason=x"), *ref) == []


def results(*lines):
    return sb.parse_output(list(lines))


@case
def speedups_exact_and_partial():
    r = results(job("thread-1", 1, 1000, 1100), job("thread-2", 2, 500, 600),
                job("proc-1", 1, 900, 1000), "smp proc-2 unavailable reason=x")
    sp = sb.speedups(r)
    assert sp == {("thread", "work"): 2.0, ("thread", "total"): 1100 / 600}, sp


def fake_boot(side, t1, t2, p1, p2, host_s=1.0, pp=None, ppp=None):
    lines = [job("thread-1", 1, t1, t1 + 10), job("thread-2", 2, t2, t2 + 10),
             job("proc-1", 1, p1, p1 + 10), job("proc-2", 2, p2, p2 + 10)]
    for cfg, v in (("pingpong", pp), ("pingpong-proc", ppp)):
        if v:
            lines.append(f"smp {cfg} rounds=10 total_ns={v * 10} ns_per_rt={v}.00")
    return sb.Boot(side, results(*lines), [], host_s, "")


@case
def medians_ranges_and_ratio():
    linux = [fake_boot("linux", 1000, 500, 1000, 500, pp=40000),   # x2.0
             fake_boot("linux", 1000, 625, 1000, 800, pp=50000),   # x1.6 / x1.25
             fake_boot("linux", 1000, 550, 1000, 1000, pp=45000)]  # ~x1.82 / x1.0
    capos = [fake_boot("capos", 1000, 1000, 1000, 1000, host_s=2.0, ppp=30000),
             fake_boot("capos", 1000, 800, 1000, 1000, host_s=3.0, ppp=20000),
             fake_boot("capos", 1000, 1000, 1000, 500, host_s=4.0, ppp=40000)]
    lf, cf = sb.side_figures(linux), sb.side_figures(capos)
    med, lo, hi = sb.summary(lf["thread work speedup"])
    assert (round(med, 4), lo, hi) == (round(1000 / 550, 4), 1.6, 2.0), (med, lo, hi)
    assert sb.summary(lf["proc work speedup"]) == (1.25, 1.0, 2.0)
    assert sb.summary(lf["pingpong us/rt"]) == (45.0, 40.0, 50.0)
    assert sb.summary(cf["thread work speedup"]) == (1.0, 1.0, 1.25)
    assert sb.summary(cf["host s/boot"]) == (3.0, 2.0, 4.0)
    assert "pingpong us/rt" not in cf and "pingpong-proc us/rt" not in lf
    assert sb.summary(cf["pingpong-proc us/rt"]) == (30.0, 20.0, 40.0)
    text = sb.table(linux, capos)
    row = [line for line in text.splitlines() if line.startswith("proc work speedup")][0]
    assert "1.250 (1.000-2.000)" in row and "1.000 (1.000-2.000)" in row, row
    assert row.rstrip().endswith("0.800"), row          # capOS 1.0 / Linux 1.25
    pp = [line for line in text.splitlines() if line.startswith("pingpong us")][0]
    assert pp.rstrip().endswith("n/a"), pp
    md = sb.table(linux, capos, markdown=True).splitlines()
    assert md[0].startswith("| figure |") and md[1] == "|---|---|---|---|", md[:2]
    assert len(md) == 2 + len(sb.ROWS), len(md)
    assert sb.summary([]) is None and sb.cell(None) == "n/a"


@case
def stuck_boot_retry_rule():
    res = lambda timed_out, com1, com2="": types.SimpleNamespace(
        timed_out=timed_out, com1=[(0.0, line) for line in com1], com2=com2)
    assert sb.stuck_before_work(res(True, ["[ 27.3] rcu: stall"]))
    assert not sb.stuck_before_work(res(True, ["smp-guest cpus=2", job("proc-1", 1, 5, 6)]))
    assert not sb.stuck_before_work(res(True, [], job("proc-1", 1, 5, 6)))
    assert not sb.stuck_before_work(res(False, []))


@case
def boot_order_alternates():
    assert [sb.order(i, ["linux", "capos"]) for i in range(3)] == [
        ["linux", "capos"], ["capos", "linux"], ["linux", "capos"]]


@case
def python_reference_matches_c():
    assert sb.py_reference(8) == C_REF_8, sb.py_reference(8)
    assert sb.py_reference(96) == C_REF_96, sb.py_reference(96)
    assert sb.py_reference(0) == "0x0000000000000000"


@case
def reference_parses_program_output():
    with tempfile.TemporaryDirectory() as d:
        good, bad = os.path.join(d, "good"), os.path.join(d, "bad")
        for path, text in ((good, f"smp-ref chunks=96 sum={C_REF_96}"),
                           (bad, "smp-ref chunks=96 sum=0x12")):
            with open(path, "w") as f:
                f.write(f"#!/bin/sh\necho '{text}'\n")
            os.chmod(path, stat.S_IRWXU)
        assert sb.reference(good) == (96, C_REF_96)
        try:
            sb.reference(bad)
        except RuntimeError as e:
            assert "0x12" in str(e), e
        else:
            raise AssertionError("a malformed reference line was accepted")


def main():
    return run_cases("bench-smp", CASES)


if __name__ == "__main__":
    sys.exit(main())
