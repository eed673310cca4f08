// Verifier: a sharding has one entry per dimension.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}sharding-rank.pir:8:51: error: result 0 of @main: sharding has 1 dimension(s) but the value f32[4,8] has rank 2: <@m, [{"a"}]>
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4,8] {sharding = <@m, [{"a"}]>}) {
  return %x
}
