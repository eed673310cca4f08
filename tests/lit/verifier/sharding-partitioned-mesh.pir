// Verifier: a partitioned function's shardings use its mesh.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}sharding-partitioned-mesh.pir:9:37: error: argument %x: sharding <@n, [{}, {}]> refers to mesh @n but @main is partitioned over @m
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>
mesh @n = <["c"=2]>

func @main(%x: f32[4,8] {sharding = <@n, [{}, {}]>}) -> (f32[4,8]) attributes {partitioned = @m} {
  return %x
}
