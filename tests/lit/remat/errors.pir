// The `remat` attribute must name a segment prefix: a located error, exit 1.
// RUN: not partita-opt %s --pipeline=remat 2>&1 | FileCheck %s
// RUN: sed -e 's/remat = 3/remat = "layer7"/' %s | not partita-opt --pipeline=remat 2>&1 | FileCheck %s --check-prefix=DIGIT
// A function without the attribute is left alone.
// RUN: sed -e 's/ attributes {remat = 3}//' %s | partita-opt --pipeline=remat | FileCheck %s --check-prefix=NONE

// CHECK: errors.pir:[[@LINE+4]]:{{[0-9]+}}: error: remat: attribute `remat` of @main must be a string naming the segment prefix (e.g. "layer", for values named layer<N>.*)
// DIGIT: <stdin>:[[@LINE+3]]:{{[0-9]+}}: error: remat: attribute `remat` of @main must be a string
// NONE: func @main(%x: f32[4]) -> (f32[]) {
// NONE-NEXT: %layer0.s = reduce_sum(%x)
func @main(%x: f32[4]) -> (f32[]) attributes {remat = 3} {
  %layer0.s = reduce_sum(%x) {dims = [0]} : f32[]
  return %layer0.s
}
