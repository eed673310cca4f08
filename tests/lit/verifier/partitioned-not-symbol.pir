// Verifier: partitioned is a mesh symbol.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}partitioned-not-symbol.pir:8:62: error: attribute 'partitioned' of @main must be a mesh symbol such as @mesh, found a string
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4]) -> (f32[4]) attributes {partitioned = "m"} {
  return %x
}
