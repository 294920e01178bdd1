#!/usr/bin/env python3
"""Bounded smoke runs of the abi fuzz targets, one `ok`/`not ok` line each (a crash,
sanitizer report, leak or broken promise is a failure):
  elf-fuzz   build/fuzz/elf_fuzz, seeded with a hand-built valid static executable
             (three PT_LOADs, PT_TLS, PT_GNU_STACK) and the clang/lld-linked sample
             (build/abi/elf_sample.elf); 12 s (CAPOS_ELF_FUZZ_SECONDS).
  ring-fuzz  build/fuzz/ring_fuzz, seeded with ring pages holding queued NOP, CALL and
             RELEASE entries; 8 s (CAPOS_RING_FUZZ_SECONDS).
  kcall-fuzz build/fuzz/kcall_fuzz, seeded with valid Console.writeLine,
             BootPackage.readManifest and VirtualMemory.map/protect params, some
             with transfer descriptors (copy and move); 8 s
             (CAPOS_KCALL_FUZZ_SECONDS).
Keep both <= 60 s on the shared machines."""
import os
import struct
import sys

from libfuzzer import ROOT, run_smoke

ELF_FUZZER = os.path.join(ROOT, "build", "fuzz", "elf_fuzz")
RING_FUZZER = os.path.join(ROOT, "build", "fuzz", "ring_fuzz")
KCALL_FUZZER = os.path.join(ROOT, "build", "fuzz", "kcall_fuzz")
SAMPLE = os.path.join(ROOT, "build", "abi", "elf_sample.elf")
ELF_SECONDS = int(os.environ.get("CAPOS_ELF_FUZZ_SECONDS", "12"))
RING_SECONDS = int(os.environ.get("CAPOS_RING_FUZZ_SECONDS", "8"))
KCALL_SECONDS = int(os.environ.get("CAPOS_KCALL_FUZZ_SECONDS", "8"))


def built_seed():
    phdrs = [
        (1, 4, 0x0, 0x400000, 0x1000, 0x1000, 0x1000),
        (1, 5, 0x1000, 0x401000, 0x100, 0x100, 0x1000),
        (1, 6, 0x2000, 0x402000, 0x80, 0x3000, 0x1000),
        (7, 4, 0x800, 0x400800, 0x10, 0x40, 16),
        (0x6474E551, 6, 0, 0, 0, 0, 16),
    ]
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    ehdr = ident + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 0x401010, 64, 0, 0, 64, 56,
                               len(phdrs), 64, 0, 0)
    table = b"".join(struct.pack("<IIQQQQQQ", t, f, o, v, v, fs, ms, a)
                     for t, f, o, v, fs, ms, a in phdrs)
    image = bytearray(0x2080)
    image[:len(ehdr)] = ehdr
    image[64:64 + len(table)] = table
    return bytes(image)


def ring_seed(sqes, sq_tail, cq_head=0, priv=(0, 0, 0)):
    """12 bytes of private state (sq_head, cq_tail, in_flight) + a ring page."""
    page = bytearray(4096)
    struct.pack_into("<IHHIIIIIIHHII", page, 0, 0x474E5243, 1, 0x400, 16, 64, 15, 63,
                     0x400, 0x800, 64, 32, 0, 0)
    struct.pack_into("<II", page, 0x40, sq_tail, cq_head)
    for i, (op, cap, iid, addr, ln, method, raddr, rlen, ud) in enumerate(sqes):
        struct.pack_into("<BBHIQQIHHQIIQQ", page, 0x400 + 64 * (i % 16), op, 0, 0, cap, iid,
                         addr, ln, method, 0, raddr, rlen, 0, 0, ud)
    return struct.pack("<III", *priv) + bytes(page)


def ring_seeds():
    nops = [(1, 0, 0, 0, 0, 0, 0, 0, 100 + i) for i in range(16)]
    mixed = [(2, 0x10001, 0xABC, 0x500000, 64, 1, 0x600000, 128, 1),
             (3, 0x10002, 0, 0, 0, 0, 0, 0, 2),
             (1, 0, 0, 0, 0, 0, 0, 0, 3),
             (9, 0, 0, 0, 0, 0, 0, 0, 4)]
    return {"nops": ring_seed(nops, 16),
            "mixed": ring_seed(mixed, 4),
            "nearly-full": ring_seed(nops, 16, cq_head=0, priv=(0, 60, 2))}


def struct_ptr(offset, data_words, ptrs):
    return struct.pack("<iHH", offset << 2, data_words, ptrs)


def framed(words):
    body = b"".join(words)
    return struct.pack("<II", 0, len(body) // 8) + body


def kcall_seeds():
    """byte 0: cap pick (+ 6 * interface pick), byte 1: method (+ 16 * descriptor count),
    bytes 2-3: result_len, then 2 bytes per descriptor (cap pick, mode | rsvd0 << 2)."""
    text = b"hello\0"
    text_words = text + bytes(-len(text) % 8)
    line = framed([struct_ptr(0, 0, 1),
                   struct.pack("<II", (0 << 2) | 1, 2 | (len(text) << 3)), text_words])
    read = framed([struct_ptr(0, 2, 0), struct.pack("<Q", 10), struct.pack("<Q", 100)])
    def vm(hint, size, prot_bits, words_first=2):
        return framed([struct_ptr(0, words_first, 1), struct.pack("<Q", hint),
                       struct.pack("<Q", size), struct_ptr(0, 1, 0),
                       struct.pack("<Q", prot_bits)])
    return {"console-line": bytes([0, 1, 64, 0]) + line,
            "bootpkg-read": bytes([2 + 6 * 2, 1, 0, 1]) + read,
            "vm-map": bytes([3 + 6 * 3, 0, 64, 0]) + vm(0x400000000000, 0x2000, 2),
            "vm-protect": bytes([3 + 6 * 3, 2, 64, 0]) + vm(0x400000000000, 0x1000, 4),
            "timer-now": bytes([1 + 6 * 1, 0, 64, 0]),
            "console-line-xfer": bytes([0, 1 + 16 * 2, 64, 0, 1, 0, 2, 1]) + line,
            "timer-now-move": bytes([1 + 6 * 1, 16 * 1, 64, 0, 3, 1])}


def main():
    elf_seeds = {"built": built_seed()}
    if os.path.exists(SAMPLE):
        with open(SAMPLE, "rb") as f:
            elf_seeds["lld"] = f.read()
    failed = run_smoke("elf-fuzz", ELF_FUZZER, ELF_SECONDS, 16384,
                       "ELF validator keeps its plan promises", seeds=elf_seeds)
    failed += run_smoke("ring-fuzz", RING_FUZZER, RING_SECONDS, 4096 + 12,
                        "ring engine keeps its credit, ordering and decode promises",
                        seeds=ring_seeds())
    failed += run_smoke("kcall-fuzz", KCALL_FUZZER, KCALL_SECONDS, 4096,
                        "kernel CALL dispatch keeps its status and backend promises",
                        seeds=kcall_seeds())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
