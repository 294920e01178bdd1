#!/usr/bin/env python3
"""The kernel starts init from the boot manifest (kernel/proc/kinit.c, user/init).

The default boot module (build/manifest.bin: system/system.capnp + build/user/init.elf,
built by tools/mkmanifest) names init and grants it console, timer, vm and boot. The
kernel decodes it, creates init with exactly those caps, loads its ELF from the module,
runs it until it exits, logs "[init] exited with status N" and the free-frame check,
and shuts down: status 33 if init exited 0, else a "[boot] error: ..." line and 35.

  init-direct      default boot, QEMU -kernel: init's COM2 transcript exactly (printf
                   through Console, Timer.now + a 10 ms cap_enter wait, VirtualMemory
                   map/write/unmap, TLS from the loader, malloc over VirtualMemory and
                   ENOMEM past the frame quota, clock_gettime + nanosleep, the
                   utest-only syscalls answering CAPOS_ERR_RING_BAD_SYSCALL, the
                   manifest read back through BootPackage in 2048-byte chunks and
                   validated by lib/manifest: its exact size and chunk count), exit 0,
                   frames back at the pre-init baseline
  init-bios        the same through the GRUB ISO (SeaBIOS, Multiboot2)
  init-badelf      a manifest whose init image has a valid ELF identification but
                   e_phoff far past the file: the loader refuses it with
                   CAPOS_ERR_ELF_PH_BOUNDS, nothing runs, frames back, status 35
  init-tlsbig      init's PT_TLS p_memsz set to 2 MiB / init-tlsalign  p_align 24: the
                   loader refuses both with CAPOS_ERR_ELF_BAD_TLS (it builds thread 0's
                   TLS block itself, so a hostile PT_TLS is its problem), frames back, 35
  init-noconsole   a manifest granting init timer/vm/boot but no console: init's
                   CapSet lookup fails, it exits 2 silently (nothing on COM2), the
                   kernel reports the failed boot, status 35
  init-badgraph    a module the kernel accepts (init and its grants are fine) whose
                   service "ghost" names no binary: init's own validation refuses it
                   with the exact finding on COM2, exits 3, status 35
  init-notmanifest the init ELF itself as the boot module: not a framed message, a
                   typed decode error (CAPOS_ERR_CAPNP_SEGMENT_COUNT), no init, 35

CAPOS_BOOT_FILTER=substr runs a subset.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import demo_tests  # noqa: E402
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, EXIT_PANIC, SHUTDOWN_OK, Boot  # noqa: E402
from suite import Test, all_of, com2_exact, run_suite  # noqa: E402

KINIT_DIR = os.path.join(harness.BUILD, "tests", "qemu", "kinit")
INIT_ELF = os.path.join(harness.BUILD, "user", "init.elf")
FORBID = CLEAN_FORBIDDEN + ["killed:"]
# Everything but the expected error lines: no panic, no fault, no other error.
FAIL_FORBID = ["[panic]", "[trap]", "killed:", SHUTDOWN_OK]

BOOT_MODULE = harness.DEMO_MODULE
CHUNK = 2048  # INIT_MANIFEST_CHUNK (user/init/graph.h), the kernel's readManifest bound
STEPS = [
    "init: hello from init (pid 1) through Console",
    "init: timer: now is non-zero: yes",
    "init: timer: cap_enter(1, 10 ms) with nothing queued returned 0, at least 10 ms later: yes",
    "init: vm: mapped 2 pages read-write; zeroed: yes; pattern read back: yes",
    "init: vm: unmap: ok",
    "init: tls: .tdata value read back: yes; .tbss zeroed: yes; "
    "thread pointer in the TLS region: yes",
    "init: heap: malloc(256 KiB) in the heap window, pattern read back: yes",
    "init: heap: malloc(64 MiB) beyond the frame quota: NULL with ENOMEM: yes; "
    "malloc(64) afterwards: ok",
    "init: heap: mallinfo: a 256 KiB block in use while held, not after free: yes",
    "init: time: clock_gettime(CLOCK_MONOTONIC): ok; nanosleep(20 ms): ok, "
    "at least 20 ms passed: yes",
    "init: time: CLOCK_REALTIME and gettimeofday read the boot-epoch clock: yes; "
    "times() counts ticks since boot: yes",
    "init: syscalls 0, 3 and the utest-only 0x7f00..0x7f05: CAPOS_ERR_RING_BAD_SYSCALL "
    "each: yes",
]


def manifest_line(path, services, caps):
    size = os.path.getsize(path) if os.path.exists(path) else 0
    return (f"init: manifest: {size} bytes in {(size + CHUNK - 1) // CHUNK} chunks, valid: "
            f"{services} services, {caps} caps")


# The default system runs the demo graph (docs/demo.md): init's own lines, then the
# executor's; the services' lines (demo_tests.SERVICE_LINES) are judged as their own
# stream (demo_tests.split_init).
TRANSCRIPT = STEPS + [manifest_line(BOOT_MODULE, demo_tests.DEFAULT_SERVICES,
                                    demo_tests.DEFAULT_CAPS)] + demo_tests.DEFAULT_INIT_LINES
BADGRAPH_TRANSCRIPT = STEPS + [
    'init: manifest: invalid: service "ghost": process.binary "ghost" names no entry of '
    "binaries (CAPOS_ERR_MANIFEST_UNKNOWN_BINARY)",
    "init: FAILED",
]

STARTED = re.compile(r'^\[init\] started "init" \(pid 1\): (\d+)-byte ELF, entry 0x[0-9a-f]+, '
                     r'5 caps, \d+ frames$')
BASELINE = re.compile(r"^\[init\] all processes gone, free frames (\d+) \(baseline \1\)$")


def com2_default():
    """The default boot's COM2: init's stream (TRANSCRIPT) and the demo services' stream
    (demo_tests.SERVICE_LINES), each exactly (demo_tests.split_init)."""
    return demo_tests.com2_streams(TRANSCRIPT, demo_tests.SERVICE_LINES, init_from="init: ")


def elf_size_matches(result):
    """The started line reports the embedded image's exact size (build/user/init.elf)."""
    size = os.path.getsize(INIT_ELF)
    for _, line in result.com1:
        m = STARTED.match(line.strip())
        if m:
            return [] if int(m.group(1)) == size else [f"ELF size {m.group(1)}, file {size}"]
    return ["no '[init] started' line"]


def default_boot(id, mode):
    boot = Boot(mode=mode, mem="128M")
    return Test(id, f"default boot ({mode}): init from the manifest with 5 caps, its COM2 "
                "transcript exactly, exit 0, frames back, clean shutdown", boot,
                [BANNER, '[boot] manifest: init "init"', STARTED,
                 "[proc] init pid 1 exited: code 0", "[init] exited with status 0", BASELINE,
                 SHUTDOWN_OK], FORBID, EXIT_CLEAN,
                all_of(com2_default(), elf_size_matches))


def hostile(id, desc, module, expect, judge=None, com2=()):
    boot = Boot(mode="direct", mem="128M")
    boot.modules = [module]
    return Test(id, desc, boot, [BANNER] + expect, FAIL_FORBID, EXIT_PANIC,
                all_of(com2_exact(list(com2)), *([judge] if judge else [])))


def no_init_started(result):
    lines = [line.strip() for _, line in result.com1]
    return ["init started"] if any(l.startswith("[init] started") for l in lines) else []


TESTS = [
    default_boot("init-direct", "direct"),
    default_boot("init-bios", "bios"),
    hostile("init-badelf", "corrupt init ELF (e_phoff past the file): CAPOS_ERR_ELF_PH_BOUNDS, "
            "not started, frames back, status 35",
            os.path.join(KINIT_DIR, "badelf.manifest"),
            ['[boot] manifest: init "init"',
             "[init] error: cannot load its ELF: CAPOS_ERR_ELF_PH_BOUNDS (-266)",
             re.compile(r"^\[init\] not started, free frames (\d+) \(baseline \1\)$"),
             "[boot] error: init failed (CAPOS_ERR_ELF_PH_BOUNDS, -266); see the [init] lines"],
            no_init_started),
] + [
    hostile(f"init-tls{kind}", f"init's PT_TLS {what}: the loader refuses it with "
            "CAPOS_ERR_ELF_BAD_TLS, not started, frames back, status 35",
            os.path.join(KINIT_DIR, f"tls{kind}.manifest"),
            ['[boot] manifest: init "init"',
             "[init] error: cannot load its ELF: CAPOS_ERR_ELF_BAD_TLS (-278)",
             re.compile(r"^\[init\] not started, free frames (\d+) \(baseline \1\)$"),
             "[boot] error: init failed (CAPOS_ERR_ELF_BAD_TLS, -278); see the [init] lines"],
            no_init_started)
    for kind, what in (("big", "p_memsz 2 MiB (bound 1 MiB)"),
                       ("align", "p_align 24 (not a power of two)"))
] + [
    hostile("init-noconsole", "init granted no console: lookup fails, exit 2, nothing on COM2, "
            "frames back, '[boot] error: init exited with status 2', status 35",
            os.path.join(KINIT_DIR, "noconsole.manifest"),
            [re.compile(r'^\[boot\] manifest: init "init" \(\d+ bytes\), 3 grants$'),
             re.compile(r'^\[init\] started "init" \(pid 1\): .*, 3 caps, '),
             "[proc] init pid 1 exited: code 2", "[init] exited with status 2", BASELINE,
             "[boot] error: init exited with status 2 (not 0): failed boot"]),
    hostile("init-badgraph", "service naming no binary: the kernel starts init, init's own "
            "validation refuses the graph with the exact finding, exit 3, frames back, "
            "status 35",
            os.path.join(KINIT_DIR, "badgraph.manifest"),
            [re.compile(r'^\[boot\] manifest: init "init" \(\d+ bytes\), 4 grants$'),
             "[proc] init pid 1 exited: code 3", "[init] exited with status 3", BASELINE,
             "[boot] error: init exited with status 3 (not 0): failed boot"],
            com2=BADGRAPH_TRANSCRIPT),
    hostile("init-notmanifest", "the init ELF as the boot module: typed decode error "
            "CAPOS_ERR_CAPNP_SEGMENT_COUNT, no init, status 35", INIT_ELF,
            ["[boot] manifest: rejected at (framing) index -1 (CAPOS_ERR_CAPNP_SEGMENT_COUNT, -134)",
             "[boot] error: boot manifest rejected (CAPOS_ERR_CAPNP_SEGMENT_COUNT, -134): "
             "init cannot start"], no_init_started),
]

if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
