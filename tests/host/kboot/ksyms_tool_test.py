#!/usr/bin/env python3
"""Tests of the ksyms host tool (tools/ksyms) and of the two-stage kernel link.

Positive: the blob the tool writes for build/capos.elf is well formed, sorted, names
the kernel's functions at the addresses llvm-nm reports, and is byte-identical to the
.ksyms section embedded in the final image (so the first-stage symbols really are the
final ones); `--check-load` accepts the image. Hostile twins: a non-ELF file, a
truncated ELF, a stripped ELF (no .symtab), section headers pointing outside the file,
PT_LOADs with a NOBITS tail or a broken file-offset/paddr relation, and bad usage must
each fail with the documented message, never crash (exit 1, or 2 for usage).

Run by `make test` (tests/run.py); prints one `ok`/`not ok` line per case.
"""
import os
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BUILD = os.environ.get("CAPOS_BUILD", os.path.join(ROOT, "build"))
TOOL = os.path.join(BUILD, "tool", "ksyms")
KERNEL = os.path.join(BUILD, "capos.elf")
OBJCOPY = "llvm-objcopy-16"
NM = "llvm-nm-16"

CASES = []
TMP = None


def case(name):
    def wrap(fn):
        CASES.append((name, fn))
        return fn
    return wrap


def run(*args):
    p = subprocess.run([TOOL, *args], capture_output=True, text=True)
    return p.returncode, p.stderr


def parse_blob(data):
    magic, version, count, strsz = struct.unpack_from("<IIII", data, 0)
    assert magic == 0x4D59534B, f"magic {magic:#x}"
    assert version == 1
    assert len(data) == 16 + 16 * count + strsz, "blob size mismatch"
    strtab = data[16 + 16 * count:]
    syms = []
    for i in range(count):
        addr, size, off = struct.unpack_from("<QII", data, 16 + 16 * i)
        end = strtab.index(b"\0", off)
        syms.append((addr, size, strtab[off:end].decode()))
    return syms


def nm_functions(path):
    out = subprocess.run([NM, path], capture_output=True, text=True, check=True).stdout
    funcs = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "Tt":
            funcs.setdefault(parts[2], int(parts[0], 16))
    return funcs


def tmp(name):
    return os.path.join(TMP, name)


def expect_error(args, code, text):
    rc, err = run(*args)
    assert rc == code, f"exit {rc}, want {code}; stderr: {err.strip()}"
    assert text in err, f"stderr lacks {text!r}: {err.strip()}"


@case("blob_is_sorted_and_names_kernel_functions")
def _():
    out = tmp("t.bin")
    rc, err = run(KERNEL, out)
    assert rc == 0, err
    syms = parse_blob(open(out, "rb").read())
    assert len(syms) > 100, f"only {len(syms)} symbols"
    addrs = [s[0] for s in syms]
    assert addrs == sorted(set(addrs)), "addresses not strictly ascending"
    byname = {s[2]: s[0] for s in syms}
    nm = nm_functions(KERNEL)
    for fn in ("kmain", "trap_dispatch", "panic", "_start32", "arch_backtrace"):
        assert fn in byname, f"{fn} missing"
        assert byname[fn] == nm[fn], f"{fn}: blob {byname[fn]:#x} nm {nm[fn]:#x}"


@case("embedded_table_equals_table_of_final_image")
def _():
    embedded = tmp("embedded.bin")
    subprocess.run([OBJCOPY, "-O", "binary", "--only-section=.ksyms", KERNEL, embedded],
                   check=True)
    regenerated = tmp("regen.bin")
    rc, err = run(KERNEL, regenerated)
    assert rc == 0, err
    a, b = open(embedded, "rb").read(), open(regenerated, "rb").read()
    assert len(a) > 16, "embedded .ksyms is empty (first-stage table linked?)"
    assert a == b, "embedded table differs from the final image's symbols"


@case("check_load_accepts_kernel")
def _():
    rc, err = run("--check-load", KERNEL)
    assert rc == 0, err


@case("empty_blob")
def _():
    out = tmp("empty.bin")
    rc, err = run("--empty", out)
    assert rc == 0, err
    assert parse_blob(open(out, "rb").read()) == []


@case("non_elf_rejected")
def _():
    path = tmp("junk")
    open(path, "wb").write(b"this is not an ELF file at all" * 4)
    expect_error([path, tmp("o.bin")], 1, "not a little-endian ELF64 x86-64 file")


@case("truncated_elf_rejected")
def _():
    path = tmp("trunc.elf")
    open(path, "wb").write(open(KERNEL, "rb").read()[:40])
    expect_error([path, tmp("o.bin")], 1, "structure outside the file")


@case("section_headers_outside_file_rejected")
def _():
    data = bytearray(open(KERNEL, "rb").read())
    struct.pack_into("<Q", data, 0x28, len(data) + 4096)  # e_shoff
    path = tmp("shoff.elf")
    open(path, "wb").write(data)
    expect_error([path, tmp("o.bin")], 1, "structure outside the file")


@case("stripped_elf_rejected")
def _():
    path = tmp("stripped.elf")
    subprocess.run([OBJCOPY, "--strip-all", KERNEL, path], check=True)
    expect_error([path, tmp("o.bin")], 1, "no .symtab")


def patched_phdrs(mutate):
    data = bytearray(open(KERNEL, "rb").read())
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phnum, = struct.unpack_from("<H", data, 0x38)
    loads = [phoff + 56 * i for i in range(phnum)
             if struct.unpack_from("<I", data, phoff + 56 * i)[0] == 1]
    assert len(loads) >= 2, "kernel has fewer than two PT_LOADs"
    mutate(data, loads)
    path = tmp("patched.elf")
    open(path, "wb").write(data)
    return path


@case("nobits_tail_rejected")
def _():
    def grow_memsz(data, loads):
        off = loads[-1] + 40  # p_memsz
        memsz, = struct.unpack_from("<Q", data, off)
        struct.pack_into("<Q", data, off, memsz + 0x1000)
    expect_error(["--check-load", patched_phdrs(grow_memsz)], 1, "p_filesz != p_memsz")


@case("offset_paddr_mismatch_rejected")
def _():
    def shift_offset(data, loads):
        off = loads[1] + 8  # p_offset
        v, = struct.unpack_from("<Q", data, off)
        struct.pack_into("<Q", data, off, v + 0x1000)
    expect_error(["--check-load", patched_phdrs(shift_offset)], 1, "not contiguous")


@case("usage_errors")
def _():
    rc, err = run()
    assert rc == 2 and "usage" in err, (rc, err)
    rc, err = run("--bogus", "x")
    assert rc == 2 and "usage" in err, (rc, err)


def main():
    global TMP
    failed = 0
    with tempfile.TemporaryDirectory(prefix="ksyms-test-") as d:
        TMP = d
        for name, fn in CASES:
            try:
                fn()
                print(f"ok ksyms_tool:{name}")
            except Exception as e:  # assertion or harness bug: both are failures
                failed += 1
                why = str(e) if isinstance(e, AssertionError) else f"{type(e).__name__}: {e}"
                print(f"not ok ksyms_tool:{name} - {why}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
