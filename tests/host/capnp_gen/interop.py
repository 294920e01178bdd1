#!/usr/bin/env python3
"""Round trips through capnpc-c's generated accessors, judged by the official `capnp`.

The helper (build/tests/host/capnp_gen_helper) encodes and decodes only through the
generated getters/setters of tests/host/capnp_gen/test.capnp and schema/manifest.capnp.
Cases:
  all:build        helper build-all == `capnp eval -ocanonical test.capnp sampleAll`
  all:echo         sampleAll (capnp eval --binary) -> helper echo-all -> same canonical
  all:random-N     programmatically generated AllTypes values (text form, seeded)
                   -> capnp convert text:binary -> echo-all -> canonical equal
  manifest:build   helper build-manifest == sample_manifest.capnp `built` (canonical,
                   and the same `capnp convert binary:text` rendering)
  manifest:decode  capnp eval --binary sample_manifest.capnp built -> dump-manifest
                   == sample_manifest.dump (golden reviewed against the const)
Prints ok/not ok lines for tests/run.py.
"""
import os
import random
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
HELPER = os.path.join(ROOT, "build", "tests", "host", "capnp_gen_helper")
HERE = "tests/host/capnp_gen"
TEST = HERE + "/test.capnp"
RANDOM_CASES = 40

results = []


def report(ok, name, why=""):
    results.append(ok)
    print(("ok " if ok else "not ok ") + name + ((" - " + why) if why and not ok else ""))


def run(cmd, data=b""):
    p = subprocess.run(cmd, cwd=ROOT, input=data, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("%s: rc %d: %s" % (" ".join(cmd), p.returncode,
                                              p.stderr.decode(errors="replace").strip()))
    return p.stdout


def canonical(schema, typ, binary):
    return run(["capnp", "convert", "-I.", "binary:canonical", schema, typ], binary)


def case(name, fn):
    try:
        ok, why = fn()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
        ok, why = False, str(e)
    report(ok, name, why)


def all_build():
    got = canonical(TEST, "AllTypes", run([HELPER, "build-all"]))
    want = run(["capnp", "eval", "-ocanonical", TEST, "sampleAll"])
    return got == want, "canonical bytes differ"


def all_echo():
    src = run(["capnp", "eval", "--binary", TEST, "sampleAll"])
    got = canonical(TEST, "AllTypes", run([HELPER, "echo-all"], src))
    return got == canonical(TEST, "AllTypes", src), "canonical bytes differ"


# ---- programmatic corpus: random AllTypes values in the Cap'n Proto text format

def r_text(rng):
    alphabet = "abcXYZ 019_-\u00e9"
    return '"' + "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12))) + '"'


def r_data(rng):
    return '0x"' + " ".join("%02x" % rng.randrange(256) for _ in range(rng.randrange(1, 9))) + '"'


def r_int(rng, bits, signed):
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    return str(rng.choice([lo, hi, 0, rng.randint(lo, hi)]))


def r_float(rng):
    return repr(rng.choice([0.0, -1.5, 3.0e10, rng.uniform(-1e6, 1e6), 2.0 ** -20]))


def r_inner(rng):
    parts = ["id = " + r_int(rng, 32, False)]
    if rng.random() < 0.7:
        parts.append("label = " + r_text(rng))
    if rng.random() < 0.5:
        parts.append("tags = [" + ", ".join(r_text(rng) for _ in range(rng.randrange(0, 4))) + "]")
    return "(" + ", ".join(parts) + ")"


def r_list(rng, gen, maxlen=6):
    return "[" + ", ".join(gen() for _ in range(rng.randrange(0, maxlen))) + "]"


def random_all(rng):
    ints = [("int8", 8, True), ("int16", 16, True), ("int32", 32, True), ("int64", 64, True),
            ("uInt8", 8, False), ("uInt16", 16, False), ("uInt32", 32, False),
            ("uInt64", 64, False)]
    f = {}
    for name, bits, signed in ints:
        if rng.random() < 0.8:
            f[name + "Field"] = r_int(rng, bits, signed)
        if rng.random() < 0.5:
            f[name + "List"] = r_list(rng, lambda b=bits, s=signed: r_int(rng, b, s))
    opt = {
        "boolField": lambda: rng.choice(["true", "false"]),
        "float32Field": lambda: repr(float(rng.choice([0.5, -0.25, 1024.0, 0.0]))),
        "float64Field": lambda: r_float(rng),
        "textField": lambda: r_text(rng),
        "dataField": lambda: r_data(rng),
        "structField": lambda: r_inner(rng),
        "enumField": lambda: rng.choice(["red", "green", "blue"]),
        "boolList": lambda: r_list(rng, lambda: rng.choice(["true", "false"]), 70),
        "float64List": lambda: r_list(rng, lambda: r_float(rng)),
        "textList": lambda: r_list(rng, lambda: r_text(rng)),
        "dataList": lambda: r_list(rng, lambda: r_data(rng)),
        "structList": lambda: r_list(rng, lambda: r_inner(rng)),
        "enumList": lambda: r_list(rng, lambda: rng.choice(["red", "green", "blue"])),
        "voidList": lambda: r_list(rng, lambda: "void", 40),
        "listList": lambda: r_list(rng, lambda: r_list(rng, lambda: r_int(rng, 32, True))),
    }
    for name, gen in opt.items():
        if rng.random() < 0.6:
            f[name] = gen()
    member = rng.choice(["none", "number", "word", "inner"])
    f[member] = {"none": "void", "number": r_int(rng, 64, True), "word": r_text(rng),
                 "inner": r_inner(rng)}[member]
    choice = rng.choice(["(left = %s)" % r_int(rng, 32, False),
                         "(right = (a = %s, b = %s))" % (r_int(rng, 8, True), r_text(rng)),
                         "(nothing = void)"])
    f["outer"] = "(depth = %s, choice = %s)" % (r_int(rng, 16, False), choice)
    return "(" + ", ".join("%s = %s" % kv for kv in f.items()) + ")"


def all_random(seed):
    def check():
        text = random_all(random.Random(seed)).encode()
        src = run(["capnp", "convert", "text:binary", TEST, "AllTypes"], text)
        got = canonical(TEST, "AllTypes", run([HELPER, "echo-all"], src))
        want = run(["capnp", "convert", "text:canonical", TEST, "AllTypes"], text)
        return got == want, "canonical bytes differ for " + text.decode()[:300]
    return check


def manifest_build():
    built = run([HELPER, "build-manifest"])
    got = canonical("schema/manifest.capnp", "SystemManifest", built)
    want = run(["capnp", "eval", "-I.", "-ocanonical", HERE + "/sample_manifest.capnp", "built"])
    if got != want:
        return False, "canonical bytes differ"
    got_text = run(["capnp", "convert", "binary:text", "schema/manifest.capnp", "SystemManifest"], built)
    want_text = run(["capnp", "eval", "-I.", HERE + "/sample_manifest.capnp", "built"])
    return got_text.strip() == want_text.strip(), "text renderings differ"


def manifest_decode():
    src = run(["capnp", "eval", "-I.", "--binary", HERE + "/sample_manifest.capnp", "built"])
    got = run([HELPER, "dump-manifest"], src).decode()
    with open(os.path.join(ROOT, HERE, "sample_manifest.dump")) as f:
        want = f.read()
    return got == want, "dump differs:\n" + got


def main():
    case("interop:all:build", all_build)
    case("interop:all:echo", all_echo)
    for seed in range(RANDOM_CASES):
        case("interop:all:random-%d" % seed, all_random(seed))
    case("interop:manifest:build", manifest_build)
    case("interop:manifest:decode", manifest_decode)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
