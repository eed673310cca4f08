// Verifier: cumsum's flags are booleans.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}cumsum-flag.pir:9:41: error: attribute 'exclusive' of 'cumsum' must be true or false, found an integer
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4,8]) {
  %r = cumsum(%x) {dim = 1, exclusive = 1} : f32[4,8]
  return %r
}
