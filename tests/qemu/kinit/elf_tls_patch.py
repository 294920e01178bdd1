#!/usr/bin/env python3
"""Write a copy of an ELF64 executable with one field of its PT_TLS program header
replaced (hostile images for tests/qemu/init_tests.py: the kernel's loader must refuse
them with CAPOS_ERR_ELF_BAD_TLS).

usage: elf_tls_patch.py IN OUT FIELD VALUE   (FIELD: memsz, filesz or align)
"""
import struct
import sys

PT_TLS = 7
# Elf64_Phdr: p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align
FIELD_OFFSET = {"filesz": 32, "memsz": 40, "align": 48}


def main(argv):
    src, dst, field, value = argv[1], argv[2], argv[3], int(argv[4], 0)
    data = bytearray(open(src, "rb").read())
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        ph = phoff + i * phentsize
        if struct.unpack_from("<I", data, ph)[0] == PT_TLS:
            struct.pack_into("<Q", data, ph + FIELD_OFFSET[field], value)
            open(dst, "wb").write(data)
            return 0
    sys.stderr.write(f"{src}: no PT_TLS\n")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
