// The JIT and the interpreter print the same values for hand-computed results, including
// bf16 rounding (1 + 2^-8 and 1 + 3*2^-8 are ties: they round to the even neighbours 1 and
// 1 + 2^-6), i32 wrap-around and division by zero (0).
// RUN: partita-run %s --engine=jit --no-cache | FileCheck %s
// RUN: partita-run %s --engine=interp | FileCheck %s
// CHECK: result0: bf16[3] [1, 1.01562, -3] sum=-0.984375
// CHECK-NEXT: result1: i32[2] [-2147483648, 0] sum=-2147483648
// CHECK-NEXT: result2: f32[2] [0.5, 0.731059] sum=1.23106
func @main() -> (bf16[3], i32[2], f32[2]) {
  %a = constant() {value = [1.00390625, 1.01171875, -3.0]} : f32[3]
  %h = convert(%a) : bf16[3]
  %m = constant() {value = [2147483647, 5]} : i32[2]
  %one = constant() {value = [1, 0]} : i32[2]
  %w = add(%m, %one) : i32[2]
  %z = constant() {value = [0, 0]} : i32[2]
  %d = div(%w, %z) : i32[2]
  %q = add(%w, %d) : i32[2]
  %ten = constant() {value = [1, 0]} : i32[2]
  %r = mul(%q, %ten) : i32[2]
  %x = constant() {value = [0.0, 1.0]} : f32[2]
  %l = logistic(%x) : f32[2]
  return %h, %r, %l
}
