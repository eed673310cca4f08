// Verifier: a partitioned function's `global` types obey the same limits as every type
// (a `global` of i1[2^63-1] overflowed the shard-size computation).
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}global-too-large.pir:8:32: error: argument %x: attribute 'global': type i1[9223372036854775807] has an extent over 2^31-1 (indices are i32)
// CHECK-NOT: error:

mesh @m = <["a"=2]>
func @main(%x: i1[1] {global = i1[9223372036854775807], sharding = <@m, [{"a"}]>}) -> (i1[1]) attributes {partitioned = @m} {
  return %x
}
