// Verifier: compare needs a direction.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}compare-missing-direction.pir:9:3: error: 'compare' requires attribute 'direction'
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (i1[4,8]) {
  %r = compare(%x, %x) : i1[4,8]
  return %r
}
