#!/usr/bin/env python3
"""User-space toolchain suite: newlib + libcapos programs (tests/user/user.mk).

Host-run programs (tests/user/linux_shim.c stands in for the two capOS system calls
and the console; crt0, TLS, hooks, sbrk and newlib are the real code):
  smoke.*       newlib_smoke's own checks (printf C99 formats, strtol, malloc, libm,
                TLS/TCB, stack guard, hook errno contract), relayed line by line;
                plus exit status 0, a minimum check count, and atexit -> fini order
  abort         abort() ends the process with 134 (128 + SIGABRT)
  smash         a stack buffer overrun is caught by the guard: message + 134
  badtls        PT_TLS alignment 8192 is refused before main: exit 125
Static checks of the real capOS ELF (build/user/newlib_smoke.elf, llvm-readelf-16):
  elf.*         ELF64 EXEC x86-64, entry == _start inside the only R+X segment,
                PT_LOADs page-aligned at/above the user image base, W^X per segment
                and per page, no PT_INTERP/PT_DYNAMIC, PT_TLS and RW PT_GNU_STACK,
                no undefined symbols, every `syscall` instruction inside the two
                libcapos wrappers (newlib itself has none; cap_enter is absent
                until something calls it: --gc-sections).
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build", "user")
REAL_ELF = os.path.join(BUILD, "newlib_smoke.elf")
PAGE = 0x1000
MIN_SMOKE_CHECKS = 46
TIMEOUT_S = 20
SYSCALL_WRAPPERS = {"capos_sys_cap_enter", "capos_sys_exit"}


def layout_value(name):
    """A constant of include/capos/layout.h, through the C preprocessor (one source)."""
    src = f"#include <capos/layout.h>\n{name}\n"
    out = subprocess.run(["clang-16", "-E", "-P", "-I", os.path.join(ROOT, "include"), "-x", "c", "-"],
                         input=src, stdout=subprocess.PIPE, text=True, check=True).stdout
    return int(out.strip().splitlines()[-1].rstrip("uUlL"), 0)

results = []


def report(ok, name, detail=""):
    results.append(ok)
    print(f"{'ok' if ok else 'not ok'} {name}" + (f" - {detail}" if detail else ""))


def run(prog):
    path = os.path.join(BUILD, "host", prog + ".elf")
    p = subprocess.run([path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=TIMEOUT_S, text=True, errors="replace")
    return p.returncode, p.stdout


def host_has_fsgsbase():
    with open("/proc/cpuinfo") as f:
        return any(line.startswith("flags") and " fsgsbase" in line for line in f)


def test_smoke():
    if not host_has_fsgsbase():
        # crt0's wrfsbase would raise SIGILL: say why instead of a bare crash.
        report(False, "smoke.host", "this CPU lacks FSGSBASE; the host-run programs need it")
        return
    rc, out = run("newlib_smoke")
    lines = out.splitlines()
    checks = 0
    for line in lines:
        m = re.match(r"^(not ok|ok) (\d+) - (.*)$", line)
        if m:
            checks += 1
            report(m.group(1) == "ok", f"smoke.{m.group(2)}", m.group(3))
        elif line.startswith("#"):
            print(line)
    report(rc == 0, "smoke.exit", f"exit status {rc} (want 0)")
    report(checks >= MIN_SMOKE_CHECKS, "smoke.count", f"{checks} checks (want >= {MIN_SMOKE_CHECKS})")
    report(lines[-2:] == ["atexit: ran", "fini: ran"], "smoke.exit_order",
           "atexit handler, then fini_array destructor, then exit")


def test_hostile():
    rc, out = run("abort_prog")
    report(rc == 134 and "abort: calling abort()" in out, "abort",
           f"abort() exits 128+SIGABRT (got {rc})")
    rc, out = run("smash_prog")
    report(rc == 134 and "*** stack smashing detected ***" in out, "smash",
           f"overrun caught by the stack guard (got {rc}: {out.strip()[-60:]!r})")
    rc, out = run("badtls_prog")
    report(rc == 125 and "main ran" not in out, "badtls",
           f"PT_TLS align 8192 refused before main with 125 (got {rc})")


def tool(*args):
    return subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, check=True).stdout


def phdrs(path):
    out = tool("llvm-readelf-16", "-h", "-l", "-W", path)
    hdr = {}
    for line in out.splitlines():
        m = re.match(r"^\s+(Class|Type|Machine|Entry point address):\s+(.*)$", line)
        if m:
            hdr[m.group(1)] = m.group(2).strip()
    segs = []
    for line in out.splitlines():
        m = re.match(r"^\s+([A-Z_]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+"
                     r"0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+([RWE ]+?)\s+0x([0-9a-f]+)$", line)
        if m:
            segs.append({"type": m.group(1), "off": int(m.group(2), 16), "vaddr": int(m.group(3), 16),
                         "filesz": int(m.group(5), 16), "memsz": int(m.group(6), 16),
                         "flags": m.group(7).replace(" ", ""), "align": int(m.group(8), 16)})
    return hdr, segs


def symbols(path):
    syms = {}
    for line in tool("llvm-nm-16", "--defined-only", path).splitlines():
        parts = line.split()
        if len(parts) == 3:
            syms[parts[2]] = int(parts[0], 16)
    return syms


def test_elf():
    base = layout_value("CAPOS_USER_IMAGE_BASE")
    hdr, segs = phdrs(REAL_ELF)
    syms = symbols(REAL_ELF)
    entry = int(hdr.get("Entry point address", "0"), 16)
    report(hdr.get("Class") == "ELF64" and hdr.get("Type", "").startswith("EXEC")
           and "X86-64" in hdr.get("Machine", ""), "elf.header", f"{hdr}")
    loads = [s for s in segs if s["type"] == "LOAD"]
    text = [s for s in loads if "E" in s["flags"]]
    report(len(text) == 1 and entry == syms.get("_start") and
           text[0]["vaddr"] <= entry < text[0]["vaddr"] + text[0]["memsz"],
           "elf.entry", f"entry {entry:#x} is _start inside the R+X segment")
    report(all("W" not in s["flags"] or "E" not in s["flags"] for s in loads) and
           sorted(s["flags"] for s in loads) == ["R", "RE", "RW"], "elf.wx_segments",
           f"segment flags {[s['flags'] for s in loads]}")
    pages = [(s["vaddr"] // PAGE, (s["vaddr"] + s["memsz"] + PAGE - 1) // PAGE) for s in loads]
    disjoint = all(a[1] <= b[0] for a, b in zip(sorted(pages), sorted(pages)[1:]))
    report(disjoint, "elf.wx_pages", "no page is shared by two PT_LOADs (W^X holds per page)")
    report(all(s["vaddr"] % PAGE == 0 and s["off"] % PAGE == 0 and s["align"] == PAGE and
               s["vaddr"] >= base and s["filesz"] <= s["memsz"] for s in loads) and
           min(s["vaddr"] for s in loads) == base, "elf.layout",
           f"PT_LOADs page-aligned, lowest at CAPOS_USER_IMAGE_BASE {base:#x}")
    types = {s["type"] for s in segs}
    report("INTERP" not in types and "DYNAMIC" not in types, "elf.static", "no PT_INTERP/PT_DYNAMIC")
    stack = [s for s in segs if s["type"] == "GNU_STACK"]
    report(len(stack) == 1 and stack[0]["flags"] == "RW", "elf.stack", "PT_GNU_STACK is RW (no exec)")
    tls = [s for s in segs if s["type"] == "TLS"]
    report(len(tls) == 1 and tls[0]["align"] == 64 and
           any(s["vaddr"] <= tls[0]["vaddr"] and tls[0]["vaddr"] + tls[0]["filesz"] <= s["vaddr"] + s["filesz"]
               and s["flags"] == "R" for s in loads), "elf.tls", "PT_TLS image inside the read-only PT_LOAD")
    undef = tool("llvm-nm-16", "-u", REAL_ELF).split()
    report(undef == [], "elf.undefined", f"undefined symbols: {undef}")
    report("shim_syscall3" not in syms and "capos_sys_exit" in syms, "elf.real_runtime",
           "linked with libcapos's own system calls, not the Linux shim")
    func, bad, count = None, [], 0
    for line in tool("llvm-objdump-16", "-d", "--no-show-raw-insn", REAL_ELF).splitlines():
        m = re.match(r"^[0-9a-f]+ <(.*)>:$", line)
        if m:
            func = m.group(1)
        elif re.search(r"\tsyscall\b", line):
            count += 1
            if func not in SYSCALL_WRAPPERS:
                bad.append(func)
    report(count >= 1 and not bad, "elf.syscalls",
           f"{count} syscall instructions, all in {sorted(SYSCALL_WRAPPERS)} (outside: {bad})")


def main():
    for t in (test_smoke, test_hostile, test_elf):
        try:
            t()
        except Exception as e:  # a harness error is a failure, never a pass
            report(False, f"{t.__name__}:error", repr(e))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
