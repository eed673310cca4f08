// Verifier: shardings name a declared mesh.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}sharding-unknown-mesh.pir:8:37: error: argument %x: sharding <@q, [{"a"}, {}]> refers to mesh @q, which is not declared
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8] {sharding = <@q, [{"a"}, {}]>}) -> (f32[4,8]) {
  return %x
}
