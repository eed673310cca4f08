// Results take no location (only ops and arguments do).
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}loc-result.pir:4:35: error: expected ',' or ')' but found 'loc'
func @main(%x: f32[4]) -> (f32[4] loc("m.cpp":1:2)) {
  return %x
}
