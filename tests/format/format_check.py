#!/usr/bin/env python3
"""Checks every tracked C source and header against .clang-format (style.md: "One
.clang-format, applied by a check"). One `ok`/`not ok` line for the whole tree; each
failing file is named with the first lines clang-format would change. Generated files (the checked-in
capnpc-c bootstrap header) are exempt: the generator owns their layout.

Fix a failure with `make format` (rewrites files in place); keep such a commit free of
logic changes.
"""
import subprocess
import sys

CLANG_FORMAT = "clang-format-14"
EXEMPT = ("tools/capnpc-c/bootstrap/",)


def tracked_sources():
    out = subprocess.run(["git", "ls-files", "*.c", "*.h"], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    return [f for f in out.split() if not f.startswith(EXEMPT)]


def main():
    failed = 0
    files = tracked_sources()
    if not files:
        print("not ok format:none - git lists no C sources")
        return 1
    for path in files:
        proc = subprocess.run([CLANG_FORMAT, "--style=file", "--dry-run", "-Werror", path],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if proc.returncode != 0:
            failed += 1
            print(f"# {path} differs from .clang-format:")
            for line in proc.stdout.splitlines()[:6]:
                print(f"#   {line}")
    if failed:
        print(f"not ok format - {failed} of {len(files)} files differ (run `make format`)")
        return 1
    print(f"ok format - all {len(files)} tracked C files match .clang-format")
    return 0


if __name__ == "__main__":
    sys.exit(main())
