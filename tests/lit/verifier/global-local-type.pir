// Verifier: a partitioned argument's type is its shard of the global type.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}global-local-type.pir:8:35: error: argument %x: type f32[4,8] is not the per-device type of global f32[9,8] under <@m, [{"a"}, {}]>, expected f32[5,8]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8] {global = f32[9,8], sharding = <@m, [{"a"}, {}]>}) -> (f32[4,8]) attributes {partitioned = @m} {
  return %x
}
