// Verifier: global has the local type's rank.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}global-rank.pir:8:35: error: argument %x: global type f32[32] must have the element type and rank of the local type f32[4,8]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8] {global = f32[32]}) -> (f32[4,8]) attributes {partitioned = @m} {
  return %x
}
