// Verifier: partitioned names a declared mesh.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}partitioned-unknown-mesh.pir:8:62: error: attribute 'partitioned' of @main names mesh @q, which is not declared
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4]) -> (f32[4]) attributes {partitioned = @q} {
  return %x
}
