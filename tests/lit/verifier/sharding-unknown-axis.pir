// Verifier: sharding axes exist in the mesh.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}sharding-unknown-axis.pir:8:37: error: argument %x: unknown axis "model" in a dimension sharding (mesh @m has no such axis): <@m, [{"model"}, {}]>
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8] {sharding = <@m, [{"model"}, {}]>}) -> (f32[4,8]) {
  return %x
}
