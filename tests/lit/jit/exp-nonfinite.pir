// exp on non-finite inputs in compiled code: NaN stays NaN (it no longer passes through
// fptosi(floor(NaN)), which is poison in LLVM), +inf gives inf, -inf and large negative
// inputs 0, large positive inputs inf; and the math functions built on exp agree.
// RUN: partita-run %s | FileCheck %s
// RUN: partita-run %s --engine=interp | FileCheck %s
// CHECK: result0: f32[6] [nan, inf, 0, inf, 0, 1] sum=nan
// CHECK-NEXT: result1: f32[3] [{{-?}}nan, 1, 0] sum={{-?}}nan
func @main() -> (f32[6], f32[3]) {
  %c = constant() {value = [nan, inf, -inf, 1000.0, -1000.0, 0.0]} : f32[6]
  %e = exp(%c) : f32[6]
  %d = constant() {value = [nan, inf, -inf]} : f32[3]
  %l = logistic(%d) : f32[3]
  return %e, %l
}
