// Verifier: bound is an integer in [1, 2^31] (generated i32 inputs lie in [0, bound)).
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}bound.pir:9:32: error: argument %i: attribute 'bound' must be an integer in [1, 2^31]
// CHECK-NEXT: {{.*}}bound.pir:9:56: error: argument %j: attribute 'bound' must be an integer in [1, 2^31]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%i: i32[4] {bound = 0}, %j: i32[4] {bound = 2147483649}, %k: i32[4] {bound = 2147483648}) -> (i32[4]) {
  return %i
}
