// Verifier: collective_permute needs a shift.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}collective-permute-shift.pir:9:3: error: 'collective_permute' requires attribute 'shift'
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4,8]) attributes {partitioned = @m} {
  %r = collective_permute(%x) {axes = ["a"]} : f32[4,8]
  return %r
}
