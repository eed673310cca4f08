// Verifier: constant lists nest as deep as the rank.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}constant-list-depth.pir:9:28: error: attribute 'value' of 'constant' nests lists deeper than the rank of i32[2]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (i32[2]) {
  %r = constant() {value = [1, [2]]} : i32[2]
  return %r
}
