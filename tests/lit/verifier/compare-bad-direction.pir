// Verifier: compare direction values.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}compare-bad-direction.pir:9:37: error: attribute 'direction' of 'compare' must be one of "eq", "ne", "lt", "le", "gt", "ge", found "lte"
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (i1[4,8]) {
  %r = compare(%x, %x) {direction = "lte"} : i1[4,8]
  return %r
}
