#!/usr/bin/env python3
"""Bounded smoke run of the ELF validator fuzz target (build/fuzz/elf_fuzz): seeds a
corpus with a hand-built valid static executable (three PT_LOADs, PT_TLS,
PT_GNU_STACK) and the clang/lld-linked sample (build/abi/elf_sample.elf), runs
libFuzzer for a fixed time and reports one `ok`/`not ok` line (a crash, sanitizer
report, leak or broken plan promise is a failure). CAPOS_ELF_FUZZ_SECONDS overrides
the default 12 s (keep it <= 60 on the shared machines)."""
import os
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FUZZER = os.path.join(ROOT, "build", "fuzz", "elf_fuzz")
SAMPLE = os.path.join(ROOT, "build", "abi", "elf_sample.elf")
SECONDS = int(os.environ.get("CAPOS_ELF_FUZZ_SECONDS", "12"))


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


def main():
    with tempfile.TemporaryDirectory(prefix="elf-fuzz-") as corpus:
        seeds = {"built": built_seed()}
        if os.path.exists(SAMPLE):
            with open(SAMPLE, "rb") as f:
                seeds["lld"] = f.read()
        for name, blob in seeds.items():
            with open(os.path.join(corpus, name), "wb") as f:
                f.write(blob)
        proc = subprocess.run([FUZZER, f"-max_total_time={SECONDS}", "-max_len=16384",
                               "-print_final_stats=1", corpus],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              errors="replace", timeout=SECONDS + 60)
    runs = [l for l in proc.stdout.splitlines() if l.startswith("stat::number_of_executed_units")]
    if proc.returncode != 0:
        print(f"not ok elf-fuzz - fuzzer exited {proc.returncode}")
        for line in proc.stdout.splitlines()[-30:]:
            print(f"#   {line}")
        return 1
    print(f"ok elf-fuzz - ELF validator keeps its plan promises over {SECONDS}s of libFuzzer "
          f"({runs[0].split(':')[-1].strip() if runs else '?'} inputs, seeds: {', '.join(seeds)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
