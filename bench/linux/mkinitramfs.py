#!/usr/bin/env python3
"""Writes a Linux initramfs: an uncompressed cpio archive in the "newc" format.

Why: the Linux benchmark guest needs /init, busybox, the benchmark binaries and a
/dev/console node. Writing the archive here (Python 3 stdlib) needs neither the `cpio`
package nor root (mknod), and the archive is reproducible: fixed inode numbers, uid/gid 0
and mtime 0, entries in the order given. The kernel accepts an uncompressed archive,
which also spares the guest a gzip decompression under the emulator.

newc (Linux Documentation/driver-api/early-userspace/buffer-format.rst): per entry the
ASCII magic "070701", 13 fields of 8 hex digits (ino, mode, uid, gid, nlink, mtime,
filesize, devmajor, devminor, rdevmajor, rdevminor, namesize including the NUL, check=0),
the name and a NUL padded to a multiple of 4 bytes (counted from the entry start), then
the data padded to a multiple of 4. The archive ends with an entry named "TRAILER!!!".

Errors: every refusal is an ArchiveError whose `code` is one of ERROR_CODES.

Usage: mkinitramfs.py OUT ENTRY...
  dir:/path                 a directory (mode 0755)
  file:/path=SRC[:MODE]     a regular file copied from SRC (MODE octal, default 0644)
  nod:/path=c|b:MAJ:MIN[:MODE]  a device node (default mode 0600)
Parent directories are added automatically when not listed.
"""
import os
import stat
import sys

ERROR_CODES = (
    "bad-path",      # not absolute, empty component, '.' or '..', or NUL in the name
    "duplicate",     # the same path twice
    "bad-spec",      # malformed ENTRY on the command line
    "too-large",     # a field does not fit 8 hex digits
)

NEWC_MAGIC = b"070701"
TRAILER = "TRAILER!!!"


class ArchiveError(Exception):
    """A refused entry; `code` is one of ERROR_CODES."""

    def __init__(self, code, msg):
        assert code in ERROR_CODES, code
        super().__init__(f"{code}: {msg}")
        self.code = code


def _pad4(n):
    return (4 - n % 4) % 4


def newc_entry(name, mode, data=b"", ino=0, nlink=1, rdev=(0, 0)):
    """One newc entry (header, name, padding, data, padding) as bytes."""
    fields = (ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1],
              len(name.encode()) + 1, 0)
    for v in fields:
        if not 0 <= v <= 0xFFFFFFFF:
            raise ArchiveError("too-large", f"{name}: field value {v}")
    head = NEWC_MAGIC + b"".join(b"%08X" % v for v in fields)
    name_b = name.encode() + b"\0"
    out = head + name_b + b"\0" * _pad4(len(head) + len(name_b))
    return out + data + b"\0" * _pad4(len(data))


def _check_path(path):
    """Archive names are relative ("dev/console"); input paths are absolute."""
    if not path.startswith("/") or "\0" in path:
        raise ArchiveError("bad-path", repr(path))
    parts = path[1:].split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise ArchiveError("bad-path", repr(path))
    return "/".join(parts)


class Archive:
    """Collects entries in order; `bytes()` returns the finished archive."""

    def __init__(self):
        self.entries = []   # (name, mode, data, rdev)
        self.names = set()

    def _add(self, path, mode, data=b"", rdev=(0, 0), implicit=False):
        name = _check_path(path)
        if name in self.names:
            if implicit:
                return
            raise ArchiveError("duplicate", path)
        parent = name.rpartition("/")[0]
        if parent and parent not in self.names:
            self._add("/" + parent, stat.S_IFDIR | 0o755, implicit=True)
        self.names.add(name)
        self.entries.append((name, mode, data, rdev))

    def add_dir(self, path, perm=0o755):
        self._add(path, stat.S_IFDIR | perm)

    def add_file(self, path, data, perm=0o644):
        self._add(path, stat.S_IFREG | perm, data)

    def add_node(self, path, kind, major, minor, perm=0o600):
        fmt = {"c": stat.S_IFCHR, "b": stat.S_IFBLK}.get(kind)
        if fmt is None:
            raise ArchiveError("bad-spec", f"{path}: node kind {kind!r}")
        self._add(path, fmt | perm, rdev=(major, minor))

    def bytes(self):
        out = [newc_entry(name, mode, data, ino=i + 1,
                          nlink=2 if stat.S_ISDIR(mode) else 1, rdev=rdev)
               for i, (name, mode, data, rdev) in enumerate(self.entries)]
        out.append(newc_entry(TRAILER, 0))
        return b"".join(out)


def _int(text, base, spec):
    try:
        return int(text, base)
    except ValueError:
        raise ArchiveError("bad-spec", spec) from None


def add_spec(archive, spec):
    """Applies one command-line ENTRY (see the module docstring)."""
    kind, sep, rest = spec.partition(":")
    if not sep:
        raise ArchiveError("bad-spec", spec)
    if kind == "dir":
        archive.add_dir(rest)
        return
    path, sep, arg = rest.partition("=")
    if not sep:
        raise ArchiveError("bad-spec", spec)
    if kind == "file":
        src, _, mode = arg.partition(":")
        with open(src, "rb") as f:
            archive.add_file(path, f.read(), _int(mode, 8, spec) if mode else 0o644)
    elif kind == "nod":
        parts = arg.split(":")
        if len(parts) not in (3, 4):
            raise ArchiveError("bad-spec", spec)
        perm = _int(parts[3], 8, spec) if len(parts) == 4 else 0o600
        archive.add_node(path, parts[0], _int(parts[1], 10, spec), _int(parts[2], 10, spec), perm)
    else:
        raise ArchiveError("bad-spec", spec)


def main(argv):
    if len(argv) < 3:
        print(__doc__.split("Usage: ")[1], file=sys.stderr)
        return 2
    archive = Archive()
    try:
        for spec in argv[2:]:
            add_spec(archive, spec)
    except (ArchiveError, OSError) as e:
        print(f"mkinitramfs: {e}", file=sys.stderr)
        return 1
    data = archive.bytes()
    tmp = argv[1] + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, argv[1])
    print(f"mkinitramfs: {argv[1]}: {len(archive.entries)} entries, {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
