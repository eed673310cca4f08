// A reshard that must pass through full replication warns with the location and the bytes
// per device. Moving a 1-D value from one axis to another has no second dimension to park
// an axis in, so it gathers the whole vector and slices it again.
// RUN: partita-opt %s --partition -o %t 2>&1 | FileCheck %s
// RUN: partita-run %s --simulate --check 2>&1 | FileCheck %s --check-prefix=SIM
mesh @mesh = <["a"=2, "b"=3]>

func @main(%x: f32[12] {sharding = <@mesh, [{"a"}]>}) -> (f32[12]) {
  // CHECK: full_replication_warning.pir:[[@LINE+1]]:3: warning: resharding %x (f32[12]) from <@mesh, [{"a"}]> to <@mesh, [{"b"}]> goes through full replication: 48 bytes per device
  %y = sharding_constraint(%x) {sharding = <@mesh, [{"b"}]>} : f32[12]
  return %y
}
// partita-run partitions the module itself and reports the same warning.
// SIM: full_replication_warning.pir:10:3: warning: resharding %x (f32[12])
// SIM: check: {{.*}} PASS
