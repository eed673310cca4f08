// Swapping the axes of two dimensions has no cheaper path in the reshard ladder than
// through replication; the partitioner does it and says so, with the location and bytes.
// RUN: partita-opt %s --partition -o %t 2>&1 | FileCheck %s
// RUN: partita-run %s --simulate --check 2>&1 | FileCheck %s --check-prefix=SIM
mesh @mesh = <["a"=2, "b"=3]>

func @main(%x: f32[6,6] {sharding = <@mesh, [{"a"}, {"b"}]>}) -> (f32[6,6]) {
  // CHECK: full_replication_warning.pir:[[@LINE+1]]:3: warning: resharding %x (f32[6,6]) from <@mesh, [{"a"}, {"b"}]> to <@mesh, [{"b"}, {"a"}]> goes through full replication: 144 bytes per device
  %y = sharding_constraint(%x) {sharding = <@mesh, [{"b"}, {"a"}]>} : f32[6,6]
  return %y
}
// SIM: check: {{.*}} PASS
