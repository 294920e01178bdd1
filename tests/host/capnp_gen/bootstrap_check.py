#!/usr/bin/env python3
"""Drift check of capnpc-c's checked-in bootstrap header.

capnpc-c reads the CodeGeneratorRequest through accessors it generated for the
official capnp/schema.capnp, checked in as tools/capnpc-c/bootstrap/capnp/schema.capnp.h.
This suite regenerates that header with the built generator (which was itself compiled
from the checked-in header) into a temporary directory and compares it byte for byte:
a difference means the generator changed without `make capnpc-bootstrap`, or the
installed schema.capnp changed. Equality is also the bootstrap's fixed point.
Prints ok/not ok lines for tests/run.py; `make capnpc-bootstrap-check` runs it too.
"""
import difflib
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
TOOL = os.path.join(ROOT, "build", "tool", "capnpc-c")
CHECKED_IN = os.path.join(ROOT, "tools", "capnpc-c", "bootstrap", "capnp", "schema.capnp.h")
SCHEMA = "/usr/include/capnp/schema.capnp"


def main():
    with tempfile.TemporaryDirectory() as out:
        p = subprocess.run(["capnp", "compile", "--src-prefix=/usr/include",
                            "-o%s:%s" % (TOOL, out), SCHEMA], cwd=ROOT,
                           stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            print("not ok capnpc-bootstrap:regenerate - " + p.stderr.strip())
            return 1
        print("ok capnpc-bootstrap:regenerate")
        with open(os.path.join(out, "capnp", "schema.capnp.h")) as f:
            fresh = f.read()
    with open(CHECKED_IN) as f:
        old = f.read()
    if fresh != old:
        diff = difflib.unified_diff(old.splitlines(), fresh.splitlines(), "checked-in",
                                    "regenerated", lineterm="", n=1)
        print("\n".join(list(diff)[:40]))
        print("not ok capnpc-bootstrap:no-drift - run `make capnpc-bootstrap` and review")
        return 1
    print("ok capnpc-bootstrap:no-drift")
    return 0


if __name__ == "__main__":
    sys.exit(main())
