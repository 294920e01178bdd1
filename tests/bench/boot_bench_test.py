#!/usr/bin/env python3
"""Host-side checks of the boot-to-prompt benchmark runner (bench/boot/boot_bench.py).

Boots nothing (well under 1 s): the prompt watcher (split chunks, binary noise, first
match only, both sides' patterns), the in-guest `boot-tsc` reader, the drift bound and
the -m bisection (against a predicate that records its probes), each with its hostile
twins. Prints `ok <id>` / `not ok <id> - reason` per case (tests/run.py).
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench", "boot"))
import boot_bench as bb  # noqa: E402

from cases import run_cases  # noqa: E402

CASES = []


def case(fn):
    CASES.append(fn)
    return fn


def feed_all(watch, chunks):
    """Feeds chunks in order; returns the indices at which feed() returned True."""
    return [i for i, c in enumerate(chunks) if watch.feed(c)]


@case
def prompt_found_when_split_across_chunks():
    w = bb.PromptWatch(bb.LINUX_PROMPT)
    chunks = [b"boot-tsc 12\r\n", b"sh: can't access tty; job control turned off\r\n",
              b"linu", b"x-s", b"h$", b" "]
    assert feed_all(w, chunks) == [5], w.text
    assert w.matched and w.text.endswith("linux-sh$ ")


@case
def prompt_reported_once_and_text_kept():
    w = bb.PromptWatch(bb.LINUX_PROMPT)
    assert feed_all(w, [b"linux-sh$ ", b"echo\r\n", b"linux-sh$ "]) == [0]
    assert w.text == "linux-sh$ echo\r\nlinux-sh$ ", w.text


@case
def prompt_not_fooled_by_near_misses():
    w = bb.PromptWatch(bb.LINUX_PROMPT)
    for chunk in (b"linux-sh# ", b"linux-sh$", b"\n", b"Linux-sh$ ", b"linux-s h$ "):
        assert not w.feed(chunk), chunk
    assert not w.matched


@case
def prompt_survives_binary_noise():
    w = bb.PromptWatch(bb.LINUX_PROMPT)
    assert not w.feed(bytes(range(256)) * 4)
    assert not w.feed(b"\xff\xfe linux-sh\xc3")   # a broken UTF-8 sequence mid-prompt
    assert w.feed(b"\x00linux-sh$ ")


@case
def prompt_found_after_long_output():
    w = bb.PromptWatch(bb.LINUX_PROMPT)
    for _ in range(2000):
        assert not w.feed(b"[    0.000000] a kernel line that is not a prompt\n")
    # The pattern straddles the search window's start: 250 chars pushed in after it began.
    assert not w.feed(b"linux-")
    assert w.feed(b"sh$ ")


@case
def capos_prompt_at_a_line_start_only():
    w = bb.PromptWatch(bb.CAPOS_PROMPT)
    assert not w.feed(b"capOS shell: type `help`; `setup` then `login` for an operator session\r\n")
    assert not w.feed(b"anonymous>")
    assert w.feed(b" ")
    other = bb.PromptWatch(bb.CAPOS_PROMPT)
    assert not other.feed(b"echo: anonymous> \n")


@case
def guest_tsc_reads_last_value_only_from_whole_lines():
    assert bb.guest_tsc("boot-tsc 100\r\nboot-tsc 1002142710\r\nlinux-sh$ ") == 1002142710
    assert bb.guest_tsc("no probe here") is None
    for bad in ("boot-tsc \n", "boot-tsc -5\n", "boot-tsc 12x\n", "xboot-tsc 12\n",
                "boot-tsc 0x10\n"):
        assert bb.guest_tsc(bad) is None, bad


@case
def drift_bound_is_rate_times_latency():
    rate, bound = bb.drift_bound(1000, 1000 + 400_000, 0.25, 0.002)
    assert rate == 1_600_000 and bound == 3200, (rate, bound)
    assert bb.drift_bound(10, 10, 0.25, 0.5) == (0, 0)       # an idle guest: no drift
    assert bb.drift_bound(10, 110, 1.0, -0.1) == (100, 0)     # clock skew: never negative


@case
def drift_bound_refuses_backward_windows():
    for args in ((10, 9, 0.25, 0.01), (10, 20, 0.0, 0.01), (10, 20, -1.0, 0.01)):
        try:
            bb.drift_bound(*args)
        except ValueError:
            continue
        raise AssertionError(f"drift_bound{args} accepted")


@case
def bisect_finds_threshold_with_log_probes():
    for threshold in (1, 2, 3, 31, 32, 33, 100, 255, 256):
        seen = []

        def ok(n, t=threshold):
            seen.append(n)
            return n >= t
        got, probes = bb.bisect_min(ok, 0, 256)
        assert got == threshold, (threshold, got, probes)
        assert len(probes) == len(seen) <= 8, probes
        assert all(r == (n >= threshold) for n, r in probes), probes


@case
def bisect_refuses_empty_interval():
    for lo, hi in ((5, 5), (6, 5)):
        try:
            bb.bisect_min(lambda n: True, lo, hi)
        except ValueError:
            continue
        raise AssertionError(f"bisect_min accepted lo={lo} hi={hi}")


@case
def ratio_uses_smallest_figures_and_needs_both_sides():
    def outs(*vals):
        res = []
        for v in vals:
            o = bb.Outcome()
            o.icount = v
            res.append(o)
        return res
    r = bb.icount_ratio({"linux": outs(3000, 2000, 2500), "capos": outs(600, 500)})
    assert r == 0.25, r
    assert bb.icount_ratio({"linux": outs(1000), "capos": outs(None)}) is None
    assert bb.icount_ratio({"capos": outs(5)}) is None


@case
def capos_prompt_override_is_labelled_as_such():
    assert "STAND-IN" in bb.capos_side().label or not bb.CAPOS_PROMPT_IS_STANDIN
    side = bb.capos_side(re.compile(r"capos\$ "))
    assert side.label == "--capos-prompt /capos\\$ /", side.label
    assert side.prompt.pattern == r"capos\$ "
    mod = bb.capos_side(re.compile("x"), "/b/shell.manifest")
    assert mod.modules == ["/b/shell.manifest"] and mod.label.endswith(", module shell.manifest")


def main():
    return run_cases("bootbench", CASES)


if __name__ == "__main__":
    sys.exit(main())
