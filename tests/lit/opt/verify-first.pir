// The input is verified before any pass runs: a bad module fails with its own error, not
// a pass's, and the pipeline never starts.
// RUN: not partita-opt %s --pipeline=dce --print-ir-after-all 2>&1 | FileCheck %s

// CHECK: verify-first.pir:[[@LINE+4]]:3: error: operands of 'add' have different shapes
// CHECK-NOT: IR Dump
func @main(%x: f32[4], %y: f32[5]) -> (f32[4]) {
  %a = exp(%x) : f32[4]
  %b = add(%a, %y) : f32[4]
  return %a
}
