#!/usr/bin/env python3
"""Bounded smoke run of kmem's boot-parser fuzz target (build/fuzz/kmem_boot_fuzz):
seeds a corpus with a valid Multiboot2 structure and a valid Multiboot1 memory image,
runs libFuzzer for a fixed time, and reports one `ok`/`not ok` line (a crash, sanitizer
report or leak is a failure). CAPOS_FUZZ_SECONDS overrides the default 10 s (keep it
<= 60 on the shared machines)."""
import os
import struct
import sys

from libfuzzer import ROOT, run_smoke

FUZZER = os.path.join(ROOT, "build", "fuzz", "kmem_boot_fuzz")
SECONDS = int(os.environ.get("CAPOS_FUZZ_SECONDS", "10"))


def tag(type_, payload):
    body = struct.pack("<II", type_, 8 + len(payload)) + payload
    return body + b"\0" * (-len(body) % 8)


def mb2_seed():
    mmap = struct.pack("<II", 24, 0) + b"".join(
        struct.pack("<QQII", b, l, t, 0)
        for b, l, t in [(0, 0x9fc00, 1), (0x100000, 0x7ee0000, 1), (0xf0000, 0x10000, 2)])
    tags = (tag(1, b"selftest=pf\0") + tag(3, struct.pack("<II", 0x200000, 0x201000) + b"m\0")
            + tag(6, mmap) + tag(14, b"RSD PTR " + bytes(12)) + tag(0, b""))
    return struct.pack("<II", 8 + len(tags), 0) + tags


def mb1_seed():
    mem = bytearray(0x400)
    struct.pack_into("<I", mem, 0, (1 << 2) | (1 << 3) | (1 << 6))
    struct.pack_into("<III", mem, 16, 0x200, 1, 0x100)    # cmdline, mods_count, mods_addr
    struct.pack_into("<II", mem, 44, 48, 0x300)           # mmap_length, mmap_addr
    struct.pack_into("<IIII", mem, 0x100, 0x200000, 0x201000, 0x220, 0)
    mem[0x200:0x20c] = b"capos n=42\0\0"
    mem[0x220:0x222] = b"m\0"
    struct.pack_into("<IQQI", mem, 0x300, 20, 0, 0x9fc00, 1)
    struct.pack_into("<IQQI", mem, 0x318, 20, 0x100000, 0x7ee0000, 1)
    return bytes(mem)


def main():
    return run_smoke("kmem-boot-fuzz", FUZZER, SECONDS, 4096,
                     "Multiboot1/2 and cmdline parsers survive",
                     seeds={"mb2": mb2_seed(), "mb1": mb1_seed()})


if __name__ == "__main__":
    sys.exit(main())
