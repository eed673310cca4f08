// The reference interpreter on constants, with results computed by hand: a matmul, argmax
// ties (lowest index), bf16 round-to-nearest-even, i32 wrap-around and truncating division.
// RUN: partita-run %s --check | FileCheck %s
// RUN: partita-run - < %s | FileCheck %s --check-prefix=VALUES
// CHECK: result0: f32[2,2] [19, 22, 43, 50] sum=134
// CHECK-NEXT: result1: i32[3] [1, 0, 2] sum=3
// CHECK-NEXT: result2: bf16[2] [1, 1.01562] sum=2.01562
// CHECK-NEXT: result3: i32[3] [-2147483648, -3, 0] sum=-2147483651
// CHECK-NEXT: check: max_abs_err=0 max_rel_err=0 PASS
// VALUES: result1: i32[3] [1, 0, 2] sum=3
// VALUES-NOT: check:
func @main() -> (f32[2,2], i32[3], bf16[2], i32[3]) {
  %a = constant() {value = [[1, 2], [3, 4]]} : f32[2,2]
  %b = constant() {value = [[5, 6], [7, 8]]} : f32[2,2]
  %c = einsum(%a, %b) {spec = "ij,jk->ik"} : f32[2,2]
  %x = constant() {value = [[1, 5, 2], [9, 0, 9], [3, 3, 7]]} : f32[3,3]
  %i = argmax(%x) {dim = 1} : i32[3]
  %f = constant() {value = [1.00390625, 1.01171875]} : f32[2]
  %h = convert(%f) : bf16[2]
  %p = constant() {value = [2147483647, -7, 5]} : i32[3]
  %q = constant() {value = [1, 2, 0]} : i32[3]
  %s = add(%p, %q) : i32[3]
  %t = div(%p, %q) : i32[3]
  %m = constant() {value = [true, false, false]} : i1[3]
  %u = select(%m, %s, %t) : i32[3]
  return %c, %i, %h, %u
}
