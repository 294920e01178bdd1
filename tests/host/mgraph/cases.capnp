# Manifests for the lib/manifest host tests (tests/host/mgraph/mgraph_test.c), written in
# the Cap'n Proto language so the official compiler checks every field, type and enum.
# `cases` lists broken graphs, each with the code and exact message of its first finding
# and the number of findings; the remaining constants are the overlay-merge inputs
# (compiled one per file: `capnp eval --binary -I. tests/host/mgraph/cases.capnp <const>`).

@0xb90b458a8f636aa7;

using M = import "/schema/manifest.capnp";

struct Case {
  name @0 :Text;
  code @1 :Text;
  # error.h name of the first finding; "" for a valid manifest.
  message @2 :Text;
  # The first finding's exact message.
  findings @3 :UInt32;
  # How many findings the validator reports in all.
  manifest @4 :M.SystemManifest;
}

struct Cases {
  cases @0 :List(Case);
}

const bins :List(M.Binary) = [
  (name = "init"), (name = "kv"), (name = "kv-client"), (name = "a"), (name = "b"), (name = "c"),
];

const initProc :M.ProcessEntry = (
  binary = "init",
  caps = [
    (name = "console", interface = "Console", source = (kernel = console)),
    (name = "boot", interface = "BootPackage", source = (kernel = bootPackage)),
  ],
);

const kvCaps :List(M.CapEntry) = [
  (name = "ep", interface = "Endpoint", source = (kernel = endpoint)),
  (name = "console", interface = "Console", source = (kernel = console)),
];

const kv :M.Service = (
  name = "kv",
  process = (binary = "kv", caps = .kvCaps),
  exports = [(name = "store", interface = "Console", cap = "ep")],
);

const kvClient :M.Service = (
  name = "kv-client",
  process = (
    binary = "kv-client",
    caps = [
      (name = "console", interface = "Console", source = (kernel = console)),
      (name = "kv", interface = "Console", source = (service = (service = "kv", export = "store"))),
    ],
  ),
);

# Services a, b, c each own an endpoint exported as "x" and import as listed.
const epCap :M.CapEntry = (name = "ep", interface = "Endpoint", source = (kernel = endpoint));
const exportX :List(M.Export) = [(name = "x", interface = "Console", cap = "ep")];

const cases :Cases = (cases = [
  ( name = "valid", code = "", message = "", findings = 0,
    manifest = (schemaVersion = 1, binaries = .bins,
      initConfig = (init = .initProc, services = [.kv, .kvClient])) ),

  ( name = "schema-version", code = "CAPOS_ERR_MANIFEST_VERSION",
    message = "schemaVersion: 2, expected 1", findings = 1,
    manifest = (schemaVersion = 2, binaries = .bins,
      initConfig = (init = .initProc, services = [.kv, .kvClient])) ),

  ( name = "no-init", code = "CAPOS_ERR_MANIFEST_NO_INIT",
    message = "initConfig: missing", findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins) ),

  ( name = "unknown-binary", code = "CAPOS_ERR_MANIFEST_UNKNOWN_BINARY",
    message = "service \"kv\": process.binary \"kv-server\" names no entry of binaries",
    findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins,
      initConfig = (init = .initProc, services = [
        (name = "kv", process = (binary = "kv-server", caps = .kvCaps),
         exports = [(name = "store", interface = "Console", cap = "ep")]),
        .kvClient])) ),

  ( name = "init-unknown-binary", code = "CAPOS_ERR_MANIFEST_UNKNOWN_BINARY",
    message = "init: binary \"nosuch\" names no entry of binaries", findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins,
      initConfig = (init = (binary = "nosuch"))) ),

  ( name = "duplicate-binary", code = "CAPOS_ERR_MANIFEST_DUP_BINARY",
    message = "binaries[1].name: \"init\" duplicates binaries[0]", findings = 1,
    manifest = (schemaVersion = 1, binaries = [(name = "init"), (name = "init")],
      initConfig = (init = .initProc)) ),

  ( name = "no-source", code = "CAPOS_ERR_MANIFEST_BAD_SOURCE",
    message = "service \"kv\": caps[2] \"log\": no source (kernel source none)", findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins,
      initConfig = (init = .initProc, services = [
        (name = "kv", process = (binary = "kv", caps = [.epCap,
           (name = "console", interface = "Console", source = (kernel = console)),
           (name = "log", interface = "Console")]),
         exports = [(name = "store", interface = "Console", cap = "ep")])])) ),

  ( name = "boot-source", code = "CAPOS_ERR_MANIFEST_BAD_SOURCE",
    message = "service \"kv\": caps[1] \"disk\": boot device \"blockDevice\" is not provided by this kernel",
    findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins,
      initConfig = (init = .initProc, services = [
        (name = "kv", process = (binary = "kv", caps = [.epCap,
           (name = "disk", interface = "Console", source = (boot = "blockDevice"))]))])) ),

  ( name = "no-export", code = "CAPOS_ERR_MANIFEST_NO_EXPORT",
    message = "service \"kv-client\": caps[1] \"kv\": imports \"kv.store\" which service \"kv\" does not export",
    findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins,
      initConfig = (init = .initProc, services = [
        (name = "kv", process = (binary = "kv", caps = .kvCaps),
         exports = [(name = "data", interface = "Console", cap = "ep")]),
        .kvClient])) ),

  ( name = "unknown-service", code = "CAPOS_ERR_MANIFEST_UNKNOWN_SERVICE",
    message = "service \"kv-client\": caps[1] \"kv\": imports \"kv.store\" but no service \"kv\" exists",
    findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins,
      initConfig = (init = .initProc, services = [.kvClient])) ),

  ( name = "later-export", code = "CAPOS_ERR_MANIFEST_LATER_EXPORT",
    message = "service \"kv-client\": caps[1] \"kv\": imports \"kv.store\" but service \"kv\" comes later (services[1]); start it first",
    findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins,
      initConfig = (init = .initProc, services = [.kvClient, .kv])) ),

  ( name = "cycle-two", code = "CAPOS_ERR_MANIFEST_CYCLE",
    message = "service \"a\": caps[1] \"peer\": imports \"b.x\", closing the cycle a -> b -> a",
    findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins,
      initConfig = (init = .initProc, services = [
        (name = "a", exports = .exportX, process = (binary = "a", caps = [.epCap,
           (name = "peer", interface = "Console", source = (service = (service = "b", export = "x")))])),
        (name = "b", exports = .exportX, process = (binary = "b", caps = [.epCap,
           (name = "peer", interface = "Console", source = (service = (service = "a", export = "x")))]))])) ),

  ( name = "cycle-three", code = "CAPOS_ERR_MANIFEST_CYCLE",
    message = "service \"a\": caps[1] \"next\": imports \"b.x\", closing the cycle a -> b -> c -> a",
    findings = 2,
    manifest = (schemaVersion = 1, binaries = .bins,
      initConfig = (init = .initProc, services = [
        (name = "a", exports = .exportX, process = (binary = "a", caps = [.epCap,
           (name = "next", interface = "Console", source = (service = (service = "b", export = "x")))])),
        (name = "b", exports = .exportX, process = (binary = "b", caps = [.epCap,
           (name = "next", interface = "Console", source = (service = (service = "c", export = "x")))])),
        (name = "c", exports = .exportX, process = (binary = "c", caps = [.epCap,
           (name = "next", interface = "Console", source = (service = (service = "a", export = "x")))]))])) ),

  ( name = "self-import", code = "CAPOS_ERR_MANIFEST_CYCLE",
    message = "service \"a\": caps[1] \"me\": imports \"a.x\" from its own service (a cycle)",
    findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins,
      initConfig = (init = .initProc, services = [
        (name = "a", exports = .exportX, process = (binary = "a", caps = [.epCap,
           (name = "me", interface = "Console", source = (service = (service = "a", export = "x")))]))])) ),

  ( name = "interface-mismatch", code = "CAPOS_ERR_MANIFEST_IFACE_MISMATCH",
    message = "service \"kv-client\": caps[0] \"kv\": declares interface \"Timer\" but \"kv.store\" serves \"Console\"",
    findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins,
      initConfig = (init = .initProc, services = [.kv,
        (name = "kv-client", process = (binary = "kv-client", caps = [
           (name = "kv", interface = "Timer", source = (service = (service = "kv", export = "store")))]))])) ),

  ( name = "duplicate-service", code = "CAPOS_ERR_MANIFEST_DUP_SERVICE",
    message = "services[1].name: \"kv\" duplicates services[0]", findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins,
      initConfig = (init = .initProc, services = [.kv, .kv])) ),

  ( name = "duplicate-cap", code = "CAPOS_ERR_MANIFEST_DUP_CAP",
    message = "service \"kv\": caps[2].name: \"ep\" duplicates caps[0]", findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins,
      initConfig = (init = .initProc, services = [
        (name = "kv", process = (binary = "kv", caps = [.epCap,
           (name = "console", interface = "Console", source = (kernel = console)),
           (name = "ep", interface = "Timer", source = (kernel = timer))]))])) ),

  ( name = "duplicate-init-cap", code = "CAPOS_ERR_MANIFEST_DUP_CAP",
    message = "init: caps[1].name: \"console\" duplicates caps[0]", findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins,
      initConfig = (init = (binary = "init", caps = [
        (name = "console", interface = "Console", source = (kernel = console)),
        (name = "console", interface = "Console", source = (kernel = console))]))) ),

  ( name = "duplicate-export", code = "CAPOS_ERR_MANIFEST_DUP_EXPORT",
    message = "service \"kv\": exports[1].name: \"store\" duplicates exports[0]", findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins,
      initConfig = (init = .initProc, services = [
        (name = "kv", process = (binary = "kv", caps = .kvCaps),
         exports = [(name = "store", interface = "Console", cap = "ep"),
                    (name = "store", interface = "Console", cap = "ep")])])) ),

  ( name = "bad-service-name", code = "CAPOS_ERR_MANIFEST_BAD_NAME",
    message = "services[0].name \"Key Value\": not 1..63 bytes of [a-z0-9._-]", findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins,
      initConfig = (init = .initProc, services = [
        (name = "Key Value", process = (binary = "kv", caps = .kvCaps))])) ),

  ( name = "long-cap-name", code = "CAPOS_ERR_MANIFEST_BAD_NAME",
    message = "init: caps[0].name \"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\": not 1..63 bytes of [a-z0-9._-]",
    findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins,
      initConfig = (init = (binary = "init", caps = [
        (name = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc",
         interface = "Console", source = (kernel = console))]))) ),

  ( name = "unknown-interface", code = "CAPOS_ERR_MANIFEST_UNKNOWN_IFACE",
    message = "service \"kv\": caps[0] \"ep\": interface \"Endpoit\" is not a schema interface",
    findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins,
      initConfig = (init = .initProc, services = [
        (name = "kv", process = (binary = "kv", caps = [
           (name = "ep", interface = "Endpoit", source = (kernel = endpoint))]))])) ),

  ( name = "source-interface", code = "CAPOS_ERR_MANIFEST_SOURCE_IFACE",
    message = "init: caps[0] \"console\": declares interface \"Timer\" but kernel source console provides \"Console\"",
    findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins,
      initConfig = (init = (binary = "init", caps = [
        (name = "console", interface = "Timer", source = (kernel = console))]))) ),

  ( name = "export-not-endpoint", code = "CAPOS_ERR_MANIFEST_EXPORT_CAP",
    message = "service \"kv\": exports[0] \"store\": cap \"console\" is not a fresh endpoint (kernel source endpoint)",
    findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins,
      initConfig = (init = .initProc, services = [
        (name = "kv", process = (binary = "kv", caps = .kvCaps),
         exports = [(name = "store", interface = "Console", cap = "console")])])) ),

  ( name = "export-no-cap", code = "CAPOS_ERR_MANIFEST_EXPORT_CAP",
    message = "service \"kv\": exports[0] \"store\": cap \"endpoint\" names no cap of this service",
    findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins,
      initConfig = (init = .initProc, services = [
        (name = "kv", process = (binary = "kv", caps = .kvCaps),
         exports = [(name = "store", interface = "Console", cap = "endpoint")])])) ),

  ( name = "restart-budget-zero", code = "CAPOS_ERR_MANIFEST_RESTART",
    message = "service \"kv\": restartBudget: 0 under restart, expected 1..100", findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins,
      initConfig = (init = .initProc, services = [
        (name = "kv", process = (binary = "kv", caps = .kvCaps), restart = restart,
         restartBudget = 0)])) ),

  ( name = "restart-budget-large", code = "CAPOS_ERR_MANIFEST_RESTART",
    message = "service \"kv\": restartBudget: 101 under restart, expected 1..100", findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins,
      initConfig = (init = .initProc, services = [
        (name = "kv", process = (binary = "kv", caps = .kvCaps), restart = restart,
         restartBudget = 101)])) ),

  ( name = "import-move", code = "CAPOS_ERR_MANIFEST_BAD_MODE",
    message = "service \"kv-client\": caps[0] \"kv\": mode move cannot take an export (every importer shares it)",
    findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins,
      initConfig = (init = .initProc, services = [.kv,
        (name = "kv-client", process = (binary = "kv-client", caps = [
           (name = "kv", interface = "Console", mode = move,
            source = (service = (service = "kv", export = "store")))]))])) ),

  ( name = "kernel-client-facet", code = "CAPOS_ERR_MANIFEST_BAD_MODE",
    message = "init: caps[0] \"console\": mode clientFacet applies only to service imports",
    findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins,
      initConfig = (init = (binary = "init", caps = [
        (name = "console", interface = "Console", mode = clientFacet,
         source = (kernel = console))]))) ),

  ( name = "unknown-profile", code = "CAPOS_ERR_MANIFEST_UNKNOWN_PROFILE",
    message = "service \"kv\": process.profile \"big\" names no resource profile", findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins, resourceProfiles = [(name = "small")],
      initConfig = (init = .initProc, services = [
        (name = "kv", process = (binary = "kv", profile = "big", caps = .kvCaps))])) ),

  ( name = "duplicate-profile", code = "CAPOS_ERR_MANIFEST_DUP_PROFILE",
    message = "resourceProfiles[1].name: \"small\" duplicates resourceProfiles[0]",
    findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins,
      resourceProfiles = [(name = "small"), (name = "small", threads = 1)],
      initConfig = (init = .initProc)) ),

  ( name = "init-import", code = "CAPOS_ERR_MANIFEST_GRANT_SOURCE",
    message = "init: caps[1] \"kv\": imports \"kv.store\", but init holds kernel sources only",
    findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins,
      initConfig = (init = (binary = "init", caps = [
        (name = "console", interface = "Console", source = (kernel = console)),
        (name = "kv", interface = "Console", source = (service = (service = "kv", export = "store")))]),
        services = [.kv])) ),

  ( name = "no-process", code = "CAPOS_ERR_MANIFEST_NO_PROCESS",
    message = "service \"kv\": process: missing", findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins,
      initConfig = (init = .initProc, services = [(name = "kv")])) ),

  ( name = "timer-hz", code = "CAPOS_ERR_MANIFEST_KERNEL_PARAM",
    message = "kernelParams.timerHz: 0, expected 1..10000", findings = 1,
    manifest = (schemaVersion = 1, binaries = .bins, initConfig = (init = .initProc),
      kernelParams = (timerHz = 0)) ),

  ( name = "many-findings", code = "CAPOS_ERR_MANIFEST_DUP_BINARY",
    message = "binaries[1].name: \"kv\" duplicates binaries[0]", findings = 5,
    manifest = (schemaVersion = 1, binaries = [(name = "kv"), (name = "kv")],
      initConfig = (init = .initProc, services = [.kvClient,
        (name = "kv", process = (binary = "kv", caps = .kvCaps), restart = restart,
         restartBudget = 0)])) ),
]);

# ---- overlay merge inputs (tests/host/mgraph: merge_*)

const base :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [(name = "init"), (name = "kv"), (name = "kv-client")],
  initConfig = (init = .initProc, services = [.kv, .kvClient]),
  kernelParams = (motd = "base", timerHz = 250, maxCpus = 2),
  resourceProfiles = [(name = "default")],
);

# Replaces service "kv" (same position), the motd and the log level; keeps timerHz.
const ovOverride :M.SystemManifest = (
  initConfig = (services = [
    (name = "kv", process = (binary = "kv", caps = .kvCaps), restart = restart,
     restartBudget = 9,
     exports = [(name = "store", interface = "Console", cap = "ep")])]),
  kernelParams = (motd = "overlay", logLevel = debug),
);

# Appends a binary, a service importing kv, and a profile; replaces profile "default".
const ovAppend :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [(name = "extra")],
  initConfig = (services = [
    (name = "extra", process = (binary = "extra", profile = "tiny", caps = [
       (name = "kv", interface = "Console", source = (service = (service = "kv", export = "store")))]))]),
  resourceProfiles = [(name = "tiny", threads = 1), (name = "default", capSlots = 64)],
);

const ovInit :M.SystemManifest = (initConfig = (init = (binary = "init")));

const ovDupService :M.SystemManifest = (initConfig = (services = [.kv, .kv]));

const ovVersion :M.SystemManifest = (schemaVersion = 2);

# Merges cleanly but the merged graph is invalid: the new service imports a missing export.
const ovBadGraph :M.SystemManifest = (
  initConfig = (services = [
    (name = "late", process = (binary = "kv", caps = [
       (name = "kv", interface = "Console", source = (service = (service = "kv", export = "nope")))]))]),
);
