# Boot manifest of the SMP benchmark's boot test (tests/qemu/smp_bench_tests.py):
# init is user/smpcheck, the smpbench program (system/smpbench.capnp) with a tiny job
# (96 chunks) whose checksums the test compares with its own reference.
#   capnp eval --binary -I. system/tests/smpcheck.capnp smpcheck

@0xe58a2c41b7d09f36;

using M = import "/schema/manifest.capnp";
using B = import "/system/smpbench.capnp";

const smpcheck :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [(name = "smpcheck")],
  initConfig = (init = (binary = "smpcheck", caps = B.smpbenchCaps)),
  kernelParams = (logLevel = info, timerHz = 100),
);
