// Verifier: collectives need a mesh.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}collective-no-mesh.pir:10:3: error: 'all_reduce' needs a mesh: mark the function 'attributes {partitioned = @mesh}' or declare exactly one mesh
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>
mesh @n = <["c"=2]>

func @main(%x: f32[4,8]) -> (f32[4,8]) {
  %r = all_reduce(%x) {axes = ["a"], reduction = "sum"} : f32[4,8]
  return %r
}
