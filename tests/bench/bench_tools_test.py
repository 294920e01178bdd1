#!/usr/bin/env python3
"""Host-side checks of the benchmark tools (no guest is booted; runs in well under 1 s).

Covers bench/run.py's result-line parser and calibration check, bench/linux/
extract_vmlinux.py (on synthetic bzImages built here) and bench/linux/mkinitramfs.py
(exact newc bytes, and an archive that busybox cpio unpacks). Every refusal is asserted by
its exact error code. Prints `ok <id>` / `not ok <id> - reason` per case (tests/run.py).
"""
import lzma
import os
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench"))
sys.path.insert(0, os.path.join(ROOT, "bench", "linux"))
import extract_vmlinux as xv  # noqa: E402
import mkinitramfs as mk  # noqa: E402
import run as br  # noqa: E402

from cases import run_cases  # noqa: E402

CASES = []


def case(fn):
    CASES.append(fn)
    return fn


def expect_error(exc_type, code, fn, *args):
    try:
        fn(*args)
    except exc_type as e:
        assert e.code == code, f"expected {code}, got {e.code} ({e})"
        return
    raise AssertionError(f"expected {exc_type.__name__}({code}), nothing raised")


# ---- result-line parser -------------------------------------------------------------------

GOOD = "bench getpid ops=100000 tsc=32630102 tsc_per_op=326.30 ns=32630179 ns_per_op=326.30"


@case
def parse_ok_full_line():
    f = br.parse_line(GOOD)
    assert f.name == "getpid" and f.status == "ok", f
    assert f.fields == {"ops": 100000, "tsc": 32630102, "tsc_per_op": 326.30,
                        "ns": 32630179, "ns_per_op": 326.30}, f.fields


@case
def parse_ok_minimal_with_kernel_prefix():
    f = br.parse_line("[bench] bench cap-enter-null ops=1000 tsc_per_op=140.00\r")
    assert f.name == "cap-enter-null" and f.fields == {"ops": 1000, "tsc_per_op": 140.0}, f


@case
def parse_unavailable_and_error():
    f = br.parse_line("bench uring-nop-b1 unavailable reason=io_uring-not-supported-by-kernel")
    assert (f.status, f.reason) == ("unavailable", "io_uring-not-supported-by-kernel"), f
    f = br.parse_line("bench pipe error reason=pipe-rounds:Broken pipe")
    assert (f.status, f.reason) == ("error", "pipe-rounds:Broken pipe"), f
    assert f.value("tsc_per_op") is None


@case
def parse_ignores_other_lines():
    for line in ("bench-info kernel=6.1.0 cpus=1", "bench-guest done rc=0",
                 "[    2.51] reboot: Power down", "", "benchmark getpid ops=1",
                 "[boot] capOS", "xbench getpid ops=1 tsc_per_op=1"):
        assert br.parse_line(line) is None, line


@case
def parse_hostile_lines():
    hostile = [
        ("bench get$pid ops=1 tsc_per_op=1", "bad-name"),
        ("bench " + "a" * 65 + " ops=1 tsc_per_op=1", "bad-name"),
        ("bench getpid ops=1 tsc_per_op=1 cycles=3", "bad-field"),
        ("bench getpid ops=1 tsc_per_op", "bad-field"),
        ("bench getpid ops=ten tsc_per_op=1", "bad-field"),
        ("bench getpid ops=1.5 tsc_per_op=1", "bad-field"),
        ("bench getpid ops=1 ops=2 tsc_per_op=1", "duplicate-field"),
        ("bench getpid tsc=5 tsc_per_op=5", "missing-field"),
        ("bench getpid ops=5 tsc=5", "missing-field"),
        ("bench getpid ops=0 tsc_per_op=1", "bad-value"),
        ("bench getpid ops=-3 tsc_per_op=1", "bad-value"),
        ("bench getpid ops=1 tsc_per_op=-1", "bad-value"),
        ("bench getpid ops=1 tsc_per_op=nan", "bad-value"),
        ("bench getpid ops=1 tsc_per_op=inf", "bad-value"),
        ("bench getpid ops=4 tsc=400 tsc_per_op=99.00", "inconsistent"),
        ("bench getpid ops=4 tsc=400 tsc_per_op=100 ns=10 ns_per_op=3", "inconsistent"),
        ("bench getpid unavailable", "no-reason"),
        ("bench getpid error reason=", "no-reason"),
        ("bench getpid errors reason=x", "bad-field"),
    ]
    for line, code in hostile:
        expect_error(br.ParseError, code, br.parse_line, line)


@case
def parse_output_rejects_duplicate_workload():
    lines = [GOOD, "noise", GOOD.replace("ops=100000", "ops=100000")]
    expect_error(br.ParseError, "duplicate-line", br.parse_output, lines)
    out = br.parse_output([GOOD, "bench pipe ops=2 tsc=3 tsc_per_op=1.50"])
    assert sorted(out) == ["getpid", "pipe"], out


@case
def calib_check_exact():
    ok = br.parse_line("bench calib ops=20000 tsc=80000 tsc_per_op=4.00")
    assert br.check_calib(ok, "icount") is None
    off = br.parse_line("bench calib ops=20000 tsc=80001 tsc_per_op=4.00")
    assert "calibration failed" in br.check_calib(off, "icount")
    assert br.check_calib(off, "mttcg") is None   # host TSC: no exactness claim


@case
def ratio_table_uses_both_sides():
    def run(figs):
        return br.Run({f.name: f for f in figs}, [], [], 0.0, "")
    linux = [run([br.parse_line("bench getpid ops=10 tsc=3000 tsc_per_op=300.00")])]
    capos = [run([br.parse_line("bench cap-enter-null ops=10 tsc=1500 tsc_per_op=150.00")])]
    table = br.ratio_table(linux, capos, "icount")
    row = [l for l in table.splitlines() if l.startswith("null system call")][0]
    assert row.rstrip().endswith("0.500"), row
    pipe_row = [l for l in table.splitlines() if l.startswith("IPC round trip vs pipe")][0]
    assert "missing" in pipe_row and not pipe_row.rstrip().endswith("0"), pipe_row


@case
def capos_side_runs_module_workloads_in_their_own_boot():
    """`spawn` (MODULE_WORKLOADS) is not sent to the kernel's bench= word: it gets its
    own boot, and its figure lands in the same Run as the kernel workloads, so the
    spawn row of the ratio table has a capOS side."""
    calls = []

    def fig(name, per_op):
        return br.parse_line(f"bench {name} ops=4 tsc={4 * per_op} tsc_per_op={per_op}.00")

    class Fake(br.CaposSide):
        def run_module(self, name, mode, timeout, tag):
            calls.append(("module", name))
            return br.Run({name: fig(name, 100)}, [], [], 1.0, "m.log")

    def fake_kernel_run(self, workloads, ops, mode, timeout, tag):
        calls.append(("kernel", tuple(workloads)))
        return br.Run({w: fig(w, 10) for w in workloads}, ["kernel problem"], [], 2.0, "k.log")

    orig = br.Side.run
    br.Side.run = fake_kernel_run
    try:
        both = Fake().run(["cap-call", "spawn"], {}, "icount", 10, "t")
        only = Fake().run(["spawn"], {}, "icount", 10, "t")
    finally:
        br.Side.run = orig
    assert calls == [("kernel", ("cap-call",)), ("module", "spawn"), ("module", "spawn")], calls
    assert set(both.figures) == {"cap-call", "spawn"}, both.figures
    assert both.problems == ["kernel problem"] and both.seconds == 3.0 and both.log == "k.log"
    assert set(only.figures) == {"spawn"} and only.log == "m.log"
    linux = [br.Run({"spawn": fig("spawn", 200)}, [], [], 0.0, "")]
    table = br.ratio_table(linux, [both], "icount")
    row = [l for l in table.splitlines() if l.startswith("spawn + wait")][0]
    assert row.rstrip().endswith("0.500"), row


@case
def determinism_check():
    def run(line):
        f = br.parse_line(line)
        return br.Run({f.name: f}, [], [], 0.0, "")
    a = run("bench pipe ops=2 tsc=30 tsc_per_op=15.00")
    b = run("bench pipe ops=2 tsc=32 tsc_per_op=16.00")
    assert br.determinism_problems([a, a], "icount") == []
    probs = br.determinism_problems([a, b], "icount")
    assert len(probs) == 1 and "pipe: not deterministic" in probs[0], probs
    assert br.determinism_problems([a, b], "mttcg") == []   # wall clock may vary
    assert br.determinism_problems([a], "icount") == []


@case
def determinism_allows_boot_stop_latency_only():
    """`boot` (QMP stop latency) may spread by BOOT_TOLERANCE instructions, not one
    more; any other workload must still be bit-identical."""
    def run(name, tsc):
        f = br.parse_line(f"bench {name} ops=1 tsc={tsc} tsc_per_op={tsc}.00")
        return br.Run({name: f}, [], [], 0.0, "")
    base = 1_598_321_252
    near = base + br.BOOT_TOLERANCE
    assert br.determinism_problems([run("boot", base), run("boot", near)], "icount") == []
    probs = br.determinism_problems([run("boot", base), run("boot", near + 1)], "icount")
    assert len(probs) == 1 and "boot: not deterministic" in probs[0], probs
    probs = br.determinism_problems([run("spawn", base), run("spawn", base + 1)], "icount")
    assert len(probs) == 1 and "spawn: not deterministic" in probs[0], probs


@case
def boot_workload_runs_in_its_own_boot_on_both_sides():
    """run_side sends every workload but `boot` to the side's own run, `boot` to
    run_boot, and merges both; mttcg gives `boot` as unavailable, not as a failure."""
    calls = []

    class Fake(br.Side):
        name = "linux"

        def run(self, workloads, ops, mode, timeout, tag):
            calls.append(("side", tuple(workloads)))
            f = br.parse_line("bench getpid ops=4 tsc=400 tsc_per_op=100.00")
            return br.Run({"getpid": f}, [], ["bench-info x"], 2.0, "s.log")

    def fake_boot(side_name, mode, timeout, tag):
        calls.append(("boot", side_name, mode))
        f = br.Figure("boot", "ok", {"ops": 1, "tsc": 900, "tsc_per_op": 900.0})
        return br.Run({"boot": f}, ["boot: late"], [], 1.0, "b.log")

    orig = br.run_boot
    br.run_boot = fake_boot
    try:
        both = br.run_side(Fake(), ["getpid", "boot"], {}, "icount", 10, "t")
        only = br.run_side(Fake(), ["boot"], {}, "icount", 10, "t")
        none = br.run_side(Fake(), ["getpid"], {}, "icount", 10, "t")
    finally:
        br.run_boot = orig
    assert calls == [("side", ("getpid",)), ("boot", "linux", "icount"),
                     ("boot", "linux", "icount"), ("side", ("getpid",))], calls
    assert set(both.figures) == {"getpid", "boot"} and both.seconds == 3.0, both
    assert both.problems == ["boot: late"] and both.log == "s.log", both
    assert set(only.figures) == {"boot"} and set(none.figures) == {"getpid"}
    wall = br.run_boot("capos", "mttcg", 10, "t")
    assert wall.figures["boot"].status == "unavailable" and wall.problems == [], wall
    assert ("boot to the shell prompt (ops=1)", "boot", "boot") in br.PAIRS


# ---- extract_vmlinux ----------------------------------------------------------------------

def make_elf(with_note=True, machine=62):
    """A minimal ELF64 executable with one PT_NOTE holding Xen note type 18 (or 17)."""
    note = struct.pack("<III", 4, 4, 18 if with_note else 17) + b"Xen\0" + b"\0\0\0\1"
    phoff, phentsize = 64, 56
    note_off = phoff + phentsize
    ehdr = (b"\x7fELF" + bytes([2, 1, 1]) + b"\0" * 9 +
            struct.pack("<HHIQQQIHHHHHH", 2, machine, 1, 0, phoff, 0, 0, 64, phentsize,
                        1, 64, 0, 0))
    phdr = struct.pack("<IIQQQQQQ", 4, 4, note_off, 0, 0, len(note), len(note), 4)
    return ehdr + phdr + note


def make_bzimage(payload_elf=None, payload=None, version=0x20f, setup_sects=2,
                 magic=b"HdrS", length_fix=0):
    """A synthetic bzImage: setup sectors, then an 0x40-byte stub, then the payload."""
    if payload is None:
        payload_elf = make_elf() if payload_elf is None else payload_elf
        payload = (lzma.compress(payload_elf, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32) +
                   struct.pack("<I", len(payload_elf)))
    head = bytearray((setup_sects + 1) * 512)
    head[0x1f1] = setup_sects
    head[0x202:0x206] = magic
    struct.pack_into("<H", head, 0x206, version)
    struct.pack_into("<II", head, 0x248, 0x40, len(payload) + length_fix)
    return bytes(head) + b"\xcc" * 0x40 + payload


@case
def vmlinux_extract_ok():
    elf = make_elf()
    assert xv.extract(make_bzimage(elf)) == elf


@case
def vmlinux_extract_cli_writes_file():
    with tempfile.TemporaryDirectory() as d:
        src, dst = os.path.join(d, "bz"), os.path.join(d, "vmlinux")
        with open(src, "wb") as f:
            f.write(make_bzimage())
        rc = subprocess.run([sys.executable, os.path.join(ROOT, "bench/linux/extract_vmlinux.py"),
                             src, dst], stdout=subprocess.DEVNULL).returncode
        assert rc == 0 and open(dst, "rb").read() == make_elf()
        with open(src, "wb") as f:
            f.write(b"junk")
        rc = subprocess.run([sys.executable, os.path.join(ROOT, "bench/linux/extract_vmlinux.py"),
                             src, dst + "2"], stderr=subprocess.DEVNULL).returncode
        assert rc == 1 and not os.path.exists(dst + "2")


@case
def vmlinux_hostile_images():
    elf = make_elf()
    xz = lzma.compress(elf, format=lzma.FORMAT_XZ)
    size = struct.pack("<I", len(elf))
    corrupt = bytearray(xz)
    corrupt[len(corrupt) // 2] ^= 0xFF
    hostile = [
        (b"MZ" + b"\0" * 100, "short-file"),
        (make_bzimage(magic=b"NoPe"), "no-setup-header"),
        (make_bzimage(version=0x207), "old-boot-protocol"),
        (make_bzimage(length_fix=1), "payload-out-of-range"),
        (make_bzimage(payload=b"\x1f\x8b\x08\0" + b"\0" * 20), "not-xz"),
        (make_bzimage(payload=bytes(corrupt) + size), "xz-corrupt"),
        (make_bzimage(payload=xz[:len(xz) - 20] + size), "xz-truncated"),
        (make_bzimage(payload=xz + struct.pack("<I", len(elf) + 1)), "size-mismatch"),
        (make_bzimage(payload=xz + struct.pack("<I", 0xFFFFFFFF)), "size-mismatch"),
        (make_bzimage(payload_elf=b"\x7fELF" + b"\x01" * 80), "not-elf64"),
        (make_bzimage(payload_elf=make_elf(machine=3)), "not-elf64"),
        (make_bzimage(payload_elf=make_elf(with_note=False)), "no-pvh-note"),
    ]
    for image, code in hostile:
        expect_error(xv.ExtractError, code, xv.extract, image)


# ---- mkinitramfs --------------------------------------------------------------------------

@case
def newc_entry_exact_bytes():
    e = mk.newc_entry("init", 0o100755, b"hi", ino=7)
    want = (b"070701" + b"00000007" + b"000081ED" + b"00000000" * 2 + b"00000001" +
            b"00000000" + b"00000002" + b"00000000" * 4 + b"00000005" + b"00000000" +
            b"init\0" + b"\0" + b"hi" + b"\0" * 2)  # 110 + 5 -> 116
    assert e == want, e
    assert len(e) % 4 == 0


def read_newc(data):
    """A small independent reader: [(name, mode, data, rdevmajor, rdevminor)]."""
    out, pos = [], 0
    while True:
        assert data[pos:pos + 6] == b"070701", data[pos:pos + 6]
        f = [int(data[pos + 6 + 8 * i:pos + 14 + 8 * i], 16) for i in range(13)]
        namesz, filesize = f[11], f[6]
        name = data[pos + 110:pos + 110 + namesz - 1].decode()
        pos = (pos + 110 + namesz + 3) & ~3
        body = data[pos:pos + filesize]
        pos = (pos + filesize + 3) & ~3
        if name == "TRAILER!!!":
            assert pos == len(data)
            return out
        out.append((name, f[1], body, f[9], f[10]))


@case
def archive_roundtrip_and_implicit_parents():
    a = mk.Archive()
    a.add_node("/dev/console", "c", 5, 1)
    a.add_file("/bench/x", b"abcde", 0o755)
    a.add_dir("/proc")
    got = read_newc(a.bytes())
    assert [g[0] for g in got] == ["dev", "dev/console", "bench", "bench/x", "proc"], got
    assert got[1][1] == 0o020600 and got[1][3:] == (5, 1), got[1]
    assert got[3][1] == 0o100755 and got[3][2] == b"abcde", got[3]


@case
def archive_unpacks_with_busybox_cpio():
    a = mk.Archive()
    a.add_file("/bin/hello", b"hello world\n", 0o755)
    a.add_dir("/proc")
    with tempfile.TemporaryDirectory() as d:
        proc = subprocess.run(["busybox", "cpio", "-i", "-d"], input=a.bytes(), cwd=d,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.returncode == 0, proc.stderr
        with open(os.path.join(d, "bin", "hello"), "rb") as f:
            assert f.read() == b"hello world\n"
        assert os.stat(os.path.join(d, "bin", "hello")).st_mode & 0o777 == 0o755
        assert os.path.isdir(os.path.join(d, "proc"))


@case
def archive_hostile_entries():
    a = mk.Archive()
    a.add_dir("/dev")
    for path in ("dev", "/", "/a//b", "/a/../b", "/./x", "/a/\0b", ""):
        expect_error(mk.ArchiveError, "bad-path", a.add_dir, path)
    expect_error(mk.ArchiveError, "duplicate", a.add_dir, "/dev")
    expect_error(mk.ArchiveError, "bad-spec", a.add_node, "/dev/x", "p", 1, 1)
    for spec in ("dir", "file:/x", "nod:/dev/y=c:5", "nod:/dev/y=c:five:1", "link:/x=y",
                 "file:/x=/dev/null:9z"):
        expect_error(mk.ArchiveError, "bad-spec", mk.add_spec, a, spec)
    expect_error(mk.ArchiveError, "too-large", mk.newc_entry, "x", 1 << 33)


def main():
    return run_cases("bench", CASES)


if __name__ == "__main__":
    sys.exit(main())
