// Verifier: axis_index names a mesh axis.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}axis-index-axis.pir:9:29: error: attribute 'axis' of 'axis_index' names axis "z", which mesh @m does not have
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (i32[]) attributes {partitioned = @m} {
  %r = axis_index() {axis = "z"} : i32[]
  return %r
}
