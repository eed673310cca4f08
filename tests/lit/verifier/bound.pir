// Verifier: bound is a positive integer.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}bound.pir:8:32: error: argument %i: attribute 'bound' must be a positive integer
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%i: i32[4] {bound = 0}) -> (i32[4]) {
  return %i
}
