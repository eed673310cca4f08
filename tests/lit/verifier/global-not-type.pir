// Verifier: global is a type.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}global-not-type.pir:8:35: error: argument %x: attribute 'global' must be a type, found an integer
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8] {global = 3}) -> (f32[4,8]) attributes {partitioned = @m} {
  return %x
}
