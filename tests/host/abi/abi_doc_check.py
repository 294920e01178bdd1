#!/usr/bin/env python3
"""docs/abi.md stays complete against include/capos/ (the ABI headers are the truth).

Each check prints `ok abi-doc:<id>` or `not ok abi-doc:<id> - <what is missing>`:

  errors        every code of include/capos/error.h in the ring/cap/endpoint/transfer
                range -200..-255 has a row `| -NNN | `NAME` |` in the error table of
                docs/abi.md §6 with the same value, and every row of that table names a
                code that exists with that value (no stale rows)
  opcodes       every CAPOS_OP_* of ring.h (but COUNT) has a row `| N | NAME |` in the
                opcode table (§4.6), and the table has no row for an undefined number
  flags         every CAPOS_SQE_F_*, CAPOS_CQE_F_*, CAPOS_RING_ST_* and CAPOS_XFER_*
                constant is named in abi.md next to its value
  fields-<s>    every field that ring.h / capset.h pins with a static_assert for struct
                <s> has a row in the table introduced by "`struct <s>`" (a heading or
                a line ending in ':') in abi.md, with that offset
  syscalls      every CAPOS_SYS_* number has a row `| N | `name` |` (§2)
  entry         the entry registers and values of syscall.h are in the §3 table
  layout        every fixed user address of layout.h appears in abi.md (as the value,
                or as the inclusive end value - 1 for an exclusive bound); every size
                constant (stack size, reserve, ring stride, ...) is named
  capset        CapSet constants (magic "CSET", entry size, name max, max entries)
  tcb           thread 0's TCB (tls.h): `self` and `stack_guard` at their offsets, size

Python 3 stdlib only; run from anywhere (paths are relative to the repository).
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
INC = os.path.join(ROOT, "include", "capos")
DOC = os.path.join(ROOT, "docs", "abi.md")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def num(text):
    """An integer from a doc or header token: 0x.., decimal, '_' separators, the
    Unicode minus of the tables, a C 'u'/'ULL' suffix."""
    t = text.strip().strip("`").replace("_", "").replace("\u2212", "-")
    t = re.sub(r"(?i)(ull|ul|u)$", "", t)
    return int(t, 0)


def table_rows(lines):
    """Cells of every markdown table row (separator rows skipped)."""
    rows = []
    for line in lines:
        s = line.strip()
        if not s.startswith("|") or re.match(r"^\|[\s|:-]+\|$", s):
            continue
        rows.append([c.strip() for c in s.strip("|").split("|")])
    return rows


def table_after(doc_lines, anchor, intro=False):
    """Rows of the first table that starts after the first line containing anchor.
    intro: only a line introducing a table counts (a heading, or prose ending in ':')."""
    for i, line in enumerate(doc_lines):
        s = line.strip()
        if intro and (s.startswith("|") or not (s.startswith("#") or s.endswith(":"))):
            continue
        if anchor in line:
            j = i + 1
            while j < len(doc_lines) and not doc_lines[j].lstrip().startswith("|"):
                j += 1
            k = j
            while k < len(doc_lines) and doc_lines[k].lstrip().startswith("|"):
                k += 1
            return table_rows(doc_lines[j:k])
    return None


def defines(header, prefix):
    """{NAME: value} of `#define PREFIX... <integer>` in header."""
    out = {}
    for m in re.finditer(rf"^#define ({prefix}\w*)\s+(0x[0-9A-Fa-f]+|\d+)[uUlL]*\b",
                         read(os.path.join(INC, header)), re.M):
        out[m.group(1)] = int(m.group(2), 0)
    return out


def error_codes():
    text = read(os.path.join(INC, "error.h"))
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"X\((CAPOS_\w+),\s*(-?\d+),", text)}


def check_errors(doc_lines):
    codes = {n: v for n, v in error_codes().items() if -255 <= v <= -200}
    rows = table_after(doc_lines, "| Code | Name | When |") or []
    documented = {}
    for r in rows:
        if len(r) >= 2 and re.match(r"^[\u2212-]\d+$", r[0]):
            documented[r[1].strip("`")] = num(r[0])
    problems = []
    for name, v in sorted(codes.items(), key=lambda kv: -kv[1]):
        short = name.replace("CAPOS_ERR_", "")
        if short not in documented:
            problems.append(f"{name} ({v}) has no row in the §6 table")
        elif documented[short] != v:
            problems.append(f"{name} is {v} in error.h, {documented[short]} in abi.md")
    for short, v in documented.items():
        if ("CAPOS_ERR_" + short) not in codes:
            problems.append(f"§6 row {v} {short} names no code of error.h's -200..-255")
    if len(codes) < 40:
        problems.append(f"only {len(codes)} codes parsed from error.h (parser broken?)")
    return problems


def check_opcodes(doc_lines):
    ops = {n: v for n, v in defines("ring.h", "CAPOS_OP_").items() if n != "CAPOS_OP_COUNT"}
    rows = table_after(doc_lines, "| Nr | Name | v1 |") or []
    by_nr = {}
    for r in rows:
        if len(r) >= 2 and re.match(r"^\d+$", r[0]):
            by_nr[int(r[0])] = r[1].strip("`")
    problems = []
    for name, v in ops.items():
        short = name.replace("CAPOS_OP_", "")
        if by_nr.get(v) != short:
            problems.append(f"{name} = {v}: opcode table row is {by_nr.get(v)!r}")
    for nr, short in by_nr.items():
        if ops.get("CAPOS_OP_" + short) != nr:
            problems.append(f"opcode table row {nr} {short} is not in ring.h")
    if len(ops) < 12:
        problems.append(f"only {len(ops)} opcodes parsed from ring.h")
    return problems


def check_named_values(doc, names):
    """Each constant named in doc (with backticks) and its value on the same line."""
    problems = []
    for name, v in names.items():
        hits = [line for line in doc.splitlines() if f"`{name}`" in line]
        if not hits:
            problems.append(f"{name} not named in abi.md")
            continue
        vals = {v}
        if not any(any(num(tok) in vals for tok in re.findall(r"\b(?:0x[0-9A-Fa-f_]+|\d+)\b", h))
                   for h in hits):
            problems.append(f"{name} named but its value {v:#x} is not on that line")
    return problems


def check_flags(doc, _doc_lines):
    names = {}
    for prefix in ("CAPOS_SQE_F_", "CAPOS_CQE_F_", "CAPOS_RING_ST_", "CAPOS_XFER_"):
        names.update(defines("ring.h", prefix))
    names.pop("CAPOS_SQE_F_V1_ACCEPTED", None)  # a kernel-side mask, documented as prose
    return check_named_values(doc, names)


def struct_offsets(header):
    text = read(os.path.join(INC, header))
    out = {}
    for m in re.finditer(r"CAPOS_RING_ASSERT_OFF\(struct (\w+), (\w+), (0x[0-9A-Fa-f]+)\)", text):
        out.setdefault(m.group(1), []).append((m.group(2), int(m.group(3), 16)))
    for m in re.finditer(r"offsetof\(struct (\w+), (\w+)\) == (0x[0-9A-Fa-f]+)", text):
        out.setdefault(m.group(1), []).append((m.group(2), int(m.group(3), 16)))
    return out


def check_struct(doc_lines, struct, fields):
    rows = table_after(doc_lines, f"`struct {struct}`", intro=True)
    if rows is None:
        return [f"no table after `struct {struct}` in abi.md"]
    problems = []
    for field, off in fields:
        ok = False
        for r in rows:
            try:
                if num(r[0]) != off:
                    continue
            except ValueError:
                continue
            if any(re.search(rf"`{re.escape(field)}`", c) for c in r[1:]):
                ok = True
        if not ok:
            problems.append(f"struct {struct}: no row `{field}` at {off:#x}")
    return problems


def check_syscalls(doc_lines):
    nrs = defines("syscall.h", "CAPOS_SYS_")
    nrs.pop("CAPOS_SYS_COUNT", None)
    rows = table_after(doc_lines, "| Nr | Name | Arguments | Result |") or []
    by_nr = {int(r[0]): r[1] for r in rows if r and re.match(r"^\d+$", r[0])}
    problems = []
    for name, v in nrs.items():
        short = name.replace("CAPOS_SYS_", "").lower()
        cell = by_nr.get(v, "")
        if short == "invalid":
            if "invalid" not in cell:
                problems.append(f"syscall {v} row does not say invalid: {cell!r}")
        elif cell.strip("`") != short:
            problems.append(f"{name} = {v}: syscall table row is {cell!r}")
    return problems


def check_entry(doc_lines):
    text = read(os.path.join(INC, "syscall.h"))
    rows = table_after(doc_lines, "At the first instruction of the ELF entry point") or []
    cells = {r[0].upper(): r[1] for r in rows if len(r) >= 2}
    problems = []
    for m in re.finditer(r'#define CAPOS_ENTRY_REG_(\w+) "(\w+)"', text):
        reg = m.group(2).upper()
        if reg not in cells:
            problems.append(f"entry register {reg} ({m.group(1)}) has no §3 row")
    vals = {m.group(1): int(m.group(2), 16)
            for m in re.finditer(r"#define CAPOS_ENTRY_(\w+) (0x[0-9A-Fa-f]+)u", text)}
    flat = " ".join(" ".join(r) for r in rows)
    for name, v in vals.items():
        if not any(num(t) == v for t in re.findall(r"0x[0-9A-Fa-f_]+", flat)):
            problems.append(f"CAPOS_ENTRY_{name} {v:#x} not in the §3 table")
    if "ring" not in cells.get("RDI", "") or "CapSet" not in cells.get("RDX", ""):
        problems.append("§3 table: RDI must be the ring page, RDX the CapSet page")
    return problems


def check_layout(doc):
    consts = defines("layout.h", "CAPOS_USER_")
    doc_vals = {num(t) for t in re.findall(r"0x[0-9A-Fa-f_]+", doc)}
    problems = []
    for name, v in consts.items():
        if not re.search(r"_(SIZE|RESERVE|STRIDE)$", name):  # an address: in the §1 map
            if v not in doc_vals and v - 1 not in doc_vals:
                problems.append(f"{name} = {v:#x} appears nowhere in abi.md")
        elif f"`{name}`" not in doc and name != "CAPOS_USER_LAST":
            problems.append(f"{name} (a size, {v:#x}) not named in abi.md")
    return problems


def check_capset(doc):
    consts = defines("capset.h", "CAPOS_CAPSET_")
    problems = []
    if '"CSET"' not in doc or "`CAPOS_CAPSET_MAGIC`" not in doc:
        problems.append("CapSet magic CAPOS_CAPSET_MAGIC (\"CSET\") not documented")
    sec = doc[doc.find("## 7. CapSet page"):doc.find("## 8.")]
    for name, phrase in (("CAPOS_CAPSET_ENTRY_SIZE", "`entry_size` = {}"),
                         ("CAPOS_CAPSET_MAX_ENTRIES", "≤ {}"),
                         ("CAPOS_CAPSET_NAME_MAX", "char[{}]")):
        if phrase.format(consts[name]) not in sec:
            problems.append(f"§7 lacks {phrase.format(consts[name])!r} ({name})")
    if f"`{hex(0x7FFFFFFFE000)}`" not in doc.lower() and "`CAPOS_USER_CAPSET`" not in sec:
        problems.append("§7 does not name the CapSet address CAPOS_USER_CAPSET")
    return problems


def check_tcb(doc):
    """The thread-0 TCB (tls.h): each pinned field named in §3 next to its offset."""
    consts = defines("tls.h", "CAPOS_TCB_")
    problems = []
    for field, const in (("self", "CAPOS_TCB_SELF_OFFSET"),
                         ("stack_guard", "CAPOS_TCB_GUARD_OFFSET")):
        off = f"`{consts[const]:#04x}`"
        if not re.search(rf"`{field}` at {re.escape(off)}", doc):
            problems.append(f"§3 lacks '`{field}` at {off}' ({const})")
    if f"({consts['CAPOS_TCB_SIZE']} bytes)" not in doc:
        problems.append(f"TCB size {consts['CAPOS_TCB_SIZE']} bytes not stated")
    return problems


def main():
    doc = read(DOC)
    lines = doc.splitlines()
    checks = [("errors", lambda: check_errors(lines)),
              ("opcodes", lambda: check_opcodes(lines)),
              ("flags", lambda: check_flags(doc, lines)),
              ("syscalls", lambda: check_syscalls(lines)),
              ("entry", lambda: check_entry(lines)),
              ("layout", lambda: check_layout(doc)),
              ("capset", lambda: check_capset(doc)),
              ("tcb", lambda: check_tcb(doc))]
    structs = struct_offsets("ring.h")
    structs.update(struct_offsets("capset.h"))
    structs.pop("capos_ring", None)  # the page: §4.1 table, checked by its own offsets
    for s, fields in sorted(structs.items()):
        checks.append((f"fields-{s}", lambda s=s, f=fields: check_struct(lines, s, f)))
    failed = 0
    for cid, fn in checks:
        problems = fn()
        if problems:
            failed += 1
            print(f"not ok abi-doc:{cid} - " + "; ".join(problems))
        else:
            print(f"ok abi-doc:{cid}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
