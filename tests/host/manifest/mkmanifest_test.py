#!/usr/bin/env python3
"""Tests of tools/mkmanifest (a `make test` suite): one positive build of the real boot
module and one hostile twin per rejection, each asserting the exit status (1 invalid
manifest or binary, 2 usage or I/O) and the exact message naming the field. Test
manifests are written in the Cap'n Proto language into a temporary directory and
compiled with the official tool (`capnp eval --binary`), like system/minimal.capnp."""
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
TOOL = os.path.join(ROOT, "build", "tool", "mkmanifest")
INIT_ELF = os.path.join(ROOT, "build", "user", "init.elf")
MINIMAL = os.path.join(ROOT, "system", "minimal.capnp")
GRAPH = os.path.join(ROOT, "system", "tests", "graph.capnp")
SYSTEM = os.path.join(ROOT, "system", "system.capnp")
EXAMPLE = os.path.join(ROOT, "system", "system.local.capnp.example")
OVERLAY_SRC = """@0xd3b0a2c1e4f50618;
using M = import "/schema/manifest.capnp";
const t :M.SystemManifest = (
  kernelParams = (motd = "from the overlay", logLevel = debug){extra}
);
"""

GRANTS = ('(name = "console", interface = "Console", source = (kernel = console)),'
          '(name = "timer", interface = "Timer", source = (kernel = timer))')


def manifest_src(version=1, binaries='(name = "init")', init="init", grants=GRANTS):
    return f"""@0xd3b0a2c1e4f50617;
using M = import "/schema/manifest.capnp";
const t :M.SystemManifest = (
  schemaVersion = {version},
  binaries = [{binaries}],
  initConfig = (init = (binary = "{init}", caps = [{grants}])),
);
"""


class Case:
    def __init__(self, work):
        self.work = work
        self.n = 0

    def compile(self, src):
        self.n += 1
        path = os.path.join(self.work, f"t{self.n}.capnp")
        with open(path, "w") as f:
            f.write(src)
        out = path + ".bin"
        with open(out, "wb") as f:
            subprocess.run(["capnp", "eval", "--binary", "-I", ROOT, path, "t"], stdout=f,
                           check=True)
        return out

    def run(self, args):
        p = subprocess.run([TOOL] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=60)
        return p.returncode, p.stderr.strip()


def main():
    results = []
    with tempfile.TemporaryDirectory() as work:
        c = Case(work)
        out = os.path.join(work, "out.bin")
        text = os.path.join(work, "notelf.txt")
        with open(text, "w") as f:
            f.write("not an executable\n" * 8)
        big = os.path.join(work, "big.elf")
        with open(big, "wb") as f:
            with open(INIT_ELF, "rb") as e:
                f.write(e.read(64))
            f.truncate(16 * 1024 * 1024 + 1)

        def expect(id, desc, args, status, message):
            rc, err = c.run(args)
            msg = message.replace("{IN}", args[-1])
            if rc == status and err == msg:
                results.append(f"ok {id} - {desc}")
            else:
                results.append(f"not ok {id} - {desc}: exit {rc}, stderr {err!r}, "
                               f"expected exit {status}, {msg!r}")

        # Positive: the real minimal system, init embedded byte for byte.
        minimal = os.path.join(work, "minimal.bin")
        with open(minimal, "wb") as f:
            subprocess.run(["capnp", "eval", "--binary", "-I", ROOT, MINIMAL, "minimal"],
                           stdout=f, check=True)
        rc, err = c.run(["-d", os.path.dirname(INIT_ELF), "-o", out, minimal])
        with open(INIT_ELF, "rb") as f:
            elf = f.read()
        data = open(out, "rb").read() if os.path.exists(out) else b""
        dec = subprocess.run(["capnp", "decode", "-I", ROOT,
                              os.path.join(ROOT, "schema", "manifest.capnp"), "SystemManifest"],
                             input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        decoded = dec.stdout.decode(errors="replace")
        ok = (rc == 0 and err == "" and elf in data and dec.returncode == 0
              and 'binary = "init"' in decoded and 'kernel = bootPackage' in decoded
              and "path =" not in decoded)
        results.append(("ok" if ok else "not ok") +
                       " mkmanifest.minimal - system/minimal.capnp + build/user/init.elf: exit 0,"
                       " image embedded byte for byte, path dropped, capnp decode reads it"
                       + ("" if ok else f": exit {rc} {err!r}"))

        ok_src = c.compile(manifest_src())
        rc, err = c.run(["-b", f"init={INIT_ELF}", "-o", out, ok_src])
        results.append(("ok" if rc == 0 and err == "" else f"not ok") +
                       " mkmanifest.override - -b NAME=FILE supplies the image" +
                       ("" if rc == 0 else f": exit {rc} {err!r}"))

        expect("mkmanifest.version", "schemaVersion 2 refused",
               ["-d", work, "-o", out, c.compile(manifest_src(version=2))], 1,
               "mkmanifest: {IN}: schemaVersion: 2, expected 1 (CAPOS_ERR_MANIFEST_VERSION)")
        expect("mkmanifest.init-missing", "init names no binary",
               ["-b", f"init={INIT_ELF}", "-o", out, c.compile(manifest_src(init="nosuch"))], 1,
               'mkmanifest: {IN}: init: binary "nosuch" names no entry of binaries '
               "(CAPOS_ERR_MANIFEST_UNKNOWN_BINARY)")
        expect("mkmanifest.not-elf", "binary is not an ELF file",
               ["-b", f"init={text}", "-o", out, ok_src], 1,
               f"mkmanifest: binaries[0] (init): {text}: not an ELF64 x86_64 file")
        expect("mkmanifest.oversize", "binary over 16 MiB",
               ["-b", f"init={big}", "-o", out, ok_src], 1,
               f"mkmanifest: binaries[0] (init): {big}: larger than 16777216 bytes")
        expect("mkmanifest.none-source", "grant from kernel source none (not a source)",
               ["-b", f"init={INIT_ELF}", "-o", out, c.compile(manifest_src(
                   grants=GRANTS + ',(name = "ts", interface = "Console", '
                   'source = (kernel = none))'))], 1,
               'mkmanifest: {IN}: init: caps[2] "ts": no source (kernel source none) '
               "(CAPOS_ERR_MANIFEST_BAD_SOURCE)")
        expect("mkmanifest.interface", "console granted as Timer",
               ["-b", f"init={INIT_ELF}", "-o", out, c.compile(manifest_src(
                   grants='(name = "console", interface = "Timer", source = (kernel = console))'))],
               1, 'mkmanifest: {IN}: init: caps[0] "console": declares interface "Timer" but '
               'kernel source console provides "Console" (CAPOS_ERR_MANIFEST_SOURCE_IFACE)')
        expect("mkmanifest.grant-source", "init grant from a service export",
               ["-b", f"init={INIT_ELF}", "-o", out, c.compile(manifest_src(
                   grants='(name = "x", interface = "Console", source = (service = '
                   '(service = "a", export = "b")))'))], 1,
               'mkmanifest: {IN}: init: caps[0] "x": imports "a.b", but init holds kernel '
               "sources only (CAPOS_ERR_MANIFEST_GRANT_SOURCE)")
        expect("mkmanifest.duplicate-grant", "two grants named console",
               ["-b", f"init={INIT_ELF}", "-o", out, c.compile(manifest_src(
                   grants=GRANTS + ',(name = "console", interface = "Console", '
                   'source = (kernel = console))'))], 1,
               'mkmanifest: {IN}: init: caps[2].name: "console" duplicates caps[0] '
               "(CAPOS_ERR_MANIFEST_DUP_CAP)")
        expect("mkmanifest.duplicate-binary", "two binaries named init",
               ["-d", os.path.dirname(INIT_ELF), "-o", out, c.compile(manifest_src(
                   binaries='(name = "init"), (name = "init")'))], 1,
               'mkmanifest: {IN}: binaries[1].name: "init" duplicates binaries[0] '
               "(CAPOS_ERR_MANIFEST_DUP_BINARY)")
        expect("mkmanifest.no-image", "no path, no -b, no -d",
               ["-o", out, ok_src], 1,
               "mkmanifest: binaries[0] (init): no image (no path, no -b, no -d)")
        expect("mkmanifest.unknown-override", "-b for a name the manifest lacks",
               ["-b", f"init={INIT_ELF}", "-b", f"nosuch={INIT_ELF}", "-o", out, ok_src], 1,
               "mkmanifest: -b nosuch: no binary of that name in the manifest")
        expect("mkmanifest.not-manifest", "input is not a framed message",
               ["-o", out, text], 1,
               "mkmanifest: {IN}: (framing): malformed message (CAPOS_ERR_CAPNP_SEGMENT_COUNT)")
        missing = os.path.join(work, "missing.elf")
        expect("mkmanifest.missing-file", "binary file does not exist (exit 2)",
               ["-b", f"init={missing}", "-o", out, ok_src], 2,
               f"mkmanifest: binaries[0] (init): {missing}: No such file or directory")
        expect("mkmanifest.usage", "no output named (exit 2)", [ok_src], 2,
               "usage: mkmanifest [-d DIR] [-b NAME=FILE]... [-l OVERLAY] -o OUT IN")

        # The focused graph (three services): written with every binary embedded.
        graph = os.path.join(work, "graph.bin")
        with open(graph, "wb") as f:
            subprocess.run(["capnp", "eval", "--binary", "-I", ROOT, GRAPH, "graph"],
                           stdout=f, check=True)
        all_b = [a for n in ("init", "log", "clock", "app") for a in ("-b", f"{n}={INIT_ELF}")]
        rc, err = c.run(all_b + ["-o", out, graph])
        data = open(out, "rb").read() if os.path.exists(out) else b""
        results.append(("ok" if rc == 0 and err == "" and data.count(elf) == 4 else "not ok") +
                       " mkmanifest.graph - system/tests/graph.capnp: exit 0, four images"
                       + ("" if rc == 0 else f": exit {rc} {err!r}"))

        # Every finding is printed, one line each, and nothing is written.
        if os.path.exists(out):
            os.unlink(out)
        expect("mkmanifest.findings", "two findings, two lines, no output",
               ["-d", work, "-o", out, c.compile(manifest_src(
                   binaries='(name = "init"), (name = "init")',
                   grants=GRANTS + ',(name = "timer", interface = "Timer", '
                   'source = (kernel = timer))'))], 1,
               'mkmanifest: {IN}: binaries[1].name: "init" duplicates binaries[0] '
               "(CAPOS_ERR_MANIFEST_DUP_BINARY)\n"
               'mkmanifest: {IN}: init: caps[2].name: "timer" duplicates caps[1] '
               "(CAPOS_ERR_MANIFEST_DUP_CAP)")
        results.append(("not ok" if os.path.exists(out) else "ok") +
                       " mkmanifest.findings-no-output - nothing written on a finding")

        # Overlays (-l): merged, then validated; conflicts named.
        base = c.compile(manifest_src())
        ov = c.compile(OVERLAY_SRC.format(extra=""))
        rc, err = c.run(["-b", f"init={INIT_ELF}", "-l", ov, "-o", out, base])
        data = open(out, "rb").read() if os.path.exists(out) else b""
        dec = subprocess.run(["capnp", "decode", "-I", ROOT,
                              os.path.join(ROOT, "schema", "manifest.capnp"), "SystemManifest"],
                             input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        decoded = dec.stdout.decode(errors="replace")
        ok = (rc == 0 and err == "" and 'motd = "from the overlay"' in decoded
              and "logLevel = debug" in decoded and elf in data)
        results.append(("ok" if ok else "not ok") +
                       " mkmanifest.overlay - -l merges kernelParams into the written module"
                       + ("" if ok else f": exit {rc} {err!r}"))
        # The committed example overlay merges into the default system.
        sysbin = os.path.join(work, "system.bin")
        exbin = os.path.join(work, "example.bin")
        for src, const, dst in ((SYSTEM, "system", sysbin), (EXAMPLE, "local", exbin)):
            with open(dst, "wb") as f:
                subprocess.run(["capnp", "eval", "--binary", "-I", ROOT, src, const],
                               stdout=f, check=True)
        rc, err = c.run(["-d", os.path.dirname(INIT_ELF), "-l", exbin, "-o", out, sysbin])
        data = open(out, "rb").read() if os.path.exists(out) else b""
        dec = subprocess.run(["capnp", "decode", "-I", ROOT,
                              os.path.join(ROOT, "schema", "manifest.capnp"), "SystemManifest"],
                             input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        decoded = dec.stdout.decode(errors="replace")
        ok = (rc == 0 and err == "" and "capSlots = 128" in decoded
              and 'motd = "welcome to this capOS box"' in decoded)
        results.append(("ok" if ok else "not ok") +
                       " mkmanifest.overlay-example - system/system.local.capnp.example merges"
                       " into system/system.capnp" + ("" if ok else f": exit {rc} {err!r}"))
        ov_init = c.compile(OVERLAY_SRC.format(extra=', initConfig = (init = (binary = "x"))'))
        expect("mkmanifest.overlay-conflict", "an overlay redefining init",
               ["-b", f"init={INIT_ELF}", "-l", ov_init, "-o", out, base], 1,
               f"mkmanifest: {ov_init}: overlay: initConfig.init: an overlay may not "
               "redefine init (CAPOS_ERR_MANIFEST_OVERLAY_CONFLICT)")
    for r in results:
        print(r)
    return 0 if all(r.startswith("ok") for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
