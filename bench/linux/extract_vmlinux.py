#!/usr/bin/env python3
"""Extracts the uncompressed vmlinux ELF from an x86 bzImage with an XZ payload.

Why: QEMU boots an ELF vmlinux through its PVH entry point (the Xen PVH ELF note,
CONFIG_PVH=y in Debian's kernel) about twice as fast as a bzImage under TCG, because the
guest then skips decompressing itself instruction by instruction. Python 3 stdlib only.

How (x86 boot protocol, Documentation/x86/boot.rst, protocol >= 2.08):
  - the setup header sits at 0x1f1 ("HdrS" magic at 0x202, version at 0x206);
  - setup_sects (byte at 0x1f1, 0 means 4) sectors of real-mode setup follow the boot
    sector, so the protected-mode part starts at (setup_sects + 1) * 512;
  - payload_offset (u32 at 0x248) and payload_length (u32 at 0x24c) locate the compressed
    kernel inside the protected-mode part;
  - the kernel build appends the uncompressed size as a little-endian u32 to the
    compressed stream, and that u32 is the last 4 bytes of the payload.
The result must be an ELF64 x86-64 image carrying a XEN_ELFNOTE_PHYS32_ENTRY (type 18)
note named "Xen", or QEMU could not boot it through PVH; both are checked.

Errors: every refusal is an ExtractError whose `code` is one of ERROR_CODES; the host
test (tests/bench/bench_tools_test.py) feeds hostile images and asserts the code.

Usage: extract_vmlinux.py BZIMAGE OUTPUT   (writes OUTPUT atomically)
"""
import lzma
import os
import struct
import sys

ERROR_CODES = (
    "short-file",          # too small to hold a setup header
    "no-setup-header",     # "HdrS" magic missing
    "old-boot-protocol",   # protocol < 2.08 has no payload fields
    "payload-out-of-range",  # payload offset/length outside the file, or too short
    "not-xz",              # payload does not start with the XZ magic
    "xz-corrupt",          # liblzma refused the stream
    "xz-truncated",        # the stream ended before its end marker
    "size-mismatch",       # appended size differs from what was decompressed
    "not-elf64",           # decompressed data is not an ELF64 x86-64 executable
    "no-pvh-note",         # no Xen PVH entry note: QEMU could not boot it via PVH
)

XZ_MAGIC = b"\xfd7zXZ\x00"
XEN_ELFNOTE_PHYS32_ENTRY = 18
MAX_OUTPUT = 512 << 20  # refuse to inflate past this (a hostile stream is no bomb)


class ExtractError(Exception):
    """A refused image; `code` is one of ERROR_CODES, the message says why."""

    def __init__(self, code, msg):
        assert code in ERROR_CODES, code
        super().__init__(f"{code}: {msg}")
        self.code = code


def locate_payload(image):
    """Returns (offset, length) of the compressed payload in a bzImage."""
    if len(image) < 0x250:
        raise ExtractError("short-file", f"{len(image)} bytes")
    if image[0x202:0x206] != b"HdrS":
        raise ExtractError("no-setup-header", "no HdrS magic at 0x202")
    version = struct.unpack_from("<H", image, 0x206)[0]
    if version < 0x208:
        raise ExtractError("old-boot-protocol", f"protocol {version >> 8}.{version & 0xff}")
    setup_sects = image[0x1f1] or 4
    payload_offset, payload_length = struct.unpack_from("<II", image, 0x248)
    start = (setup_sects + 1) * 512 + payload_offset
    if payload_length < len(XZ_MAGIC) + 4 or start + payload_length > len(image):
        raise ExtractError("payload-out-of-range",
                           f"payload at {start:#x}+{payload_length:#x}, file {len(image):#x}")
    return start, payload_length


def decompress_payload(payload):
    """Inflates an XZ payload whose last 4 bytes are the uncompressed size."""
    if not payload.startswith(XZ_MAGIC):
        raise ExtractError("not-xz", f"payload starts with {payload[:6].hex()}")
    expected = struct.unpack_from("<I", payload, len(payload) - 4)[0]
    if expected > MAX_OUTPUT:
        raise ExtractError("size-mismatch", f"declared size {expected} exceeds {MAX_OUTPUT}")
    dec = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
    try:
        out = dec.decompress(payload[:-4], max_length=MAX_OUTPUT + 1)
    except lzma.LZMAError as e:
        raise ExtractError("xz-corrupt", str(e)) from None
    if not dec.eof:
        raise ExtractError("xz-truncated", f"stream ended after {len(out)} bytes")
    if len(out) != expected:
        raise ExtractError("size-mismatch", f"decompressed {len(out)}, declared {expected}")
    return out


def _notes(elf, phoff, phentsize, phnum):
    """Yields (name, type) of every note in every PT_NOTE segment."""
    for i in range(phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from(
            "<IIQQQQ", elf, phoff + i * phentsize)
        if p_type != 4:  # PT_NOTE
            continue
        pos, end = p_offset, min(p_offset + p_filesz, len(elf))
        while pos + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from("<III", elf, pos)
            name = elf[pos + 12:pos + 12 + namesz].rstrip(b"\0")
            pos += 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3)
            yield name, ntype


def check_pvh_elf(elf):
    """Insists on an ELF64 x86-64 executable carrying the Xen PVH entry note."""
    if len(elf) < 64 or elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
        raise ExtractError("not-elf64", "no ELF64 little-endian header")
    e_type, e_machine = struct.unpack_from("<HH", elf, 16)
    phoff = struct.unpack_from("<Q", elf, 32)[0]
    phentsize, phnum = struct.unpack_from("<HH", elf, 54)
    if e_type != 2 or e_machine != 62 or phentsize < 56 or phoff + phnum * phentsize > len(elf):
        raise ExtractError("not-elf64", f"type {e_type} machine {e_machine} phdrs out of range")
    for name, ntype in _notes(elf, phoff, phentsize, phnum):
        if name == b"Xen" and ntype == XEN_ELFNOTE_PHYS32_ENTRY:
            return
    raise ExtractError("no-pvh-note", "no Xen note of type XEN_ELFNOTE_PHYS32_ENTRY")


def extract(image):
    """bzImage bytes -> vmlinux ELF bytes (validated)."""
    start, length = locate_payload(image)
    elf = decompress_payload(image[start:start + length])
    check_pvh_elf(elf)
    return elf


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    with open(argv[1], "rb") as f:
        image = f.read()
    try:
        elf = extract(image)
    except ExtractError as e:
        print(f"extract_vmlinux: {argv[1]}: {e}", file=sys.stderr)
        return 1
    tmp = argv[2] + ".tmp"
    with open(tmp, "wb") as f:
        f.write(elf)
    os.replace(tmp, argv[2])
    print(f"extract_vmlinux: {argv[2]}: {len(elf)} bytes (PVH note present)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
