// --print-ir-after-all dumps the module to stderr after every pass of the pipeline, in
// order; the final module still goes to the output.
// RUN: partita-opt %s --pipeline=cse,dce --print-ir-after-all -o %t 2>&1 | FileCheck %s
// RUN: FileCheck %s --check-prefix=OUT --input-file=%t

// CHECK: // -----// IR Dump After cse //----- //
// CHECK: %a = exp(%x) : f32[4]
// CHECK-NOT: %b = exp
// CHECK: %dead = tanh(%a) : f32[4]
// CHECK: // -----// IR Dump After dce //----- //
// CHECK-NOT: tanh
// CHECK: return %s

// OUT: func @main
// OUT-NOT: tanh
// OUT-NOT: IR Dump
func @main(%x: f32[4]) -> (f32[4]) {
  %a = exp(%x) : f32[4]
  %b = exp(%x) : f32[4]
  %dead = tanh(%a) : f32[4]
  %s = add(%a, %b) : f32[4]
  return %s
}
