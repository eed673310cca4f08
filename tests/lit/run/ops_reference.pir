// More ops on the reference interpreter, against hand-computed values: one_hot and take with
// out-of-range ids (zeros), scatter_add, cumsum (exclusive, reverse), pad, slice with a
// stride, transpose, reductions, and an f32 gelu value (the JIT's gelu may differ from the
// reference in the last bit).
// RUN: partita-run %s --check | FileCheck %s
// CHECK: result0: f32[3,3] [1, 0, 0, 0, 0, 0, ...] sum=2
// CHECK-NEXT: result1: f32[3,2] [5, 6, 0, 0, 1, 2] sum=14
// CHECK-NEXT: result2: f32[3,2] [31, 41, 1, 1, 61, 81] sum=216
// CHECK-NEXT: result3: i32[4] [9, 7, 4, 0] sum=20
// CHECK-NEXT: result4: f32[5] [9, 1, 2, 9, 9] sum=30
// CHECK-NEXT: result5: f32[3] [1, 4, 7] sum=12
// CHECK-NEXT: result6: f32[3,2] [1, 4, 2, 5, 3, 6] sum=21
// CHECK-NEXT: result7: f32[2] [6, 2] sum=8
// CHECK-NEXT: result8: f32[2] [0.841192, -0.154286] sum=0.686906
// CHECK-NEXT: check: max_abs_err={{(0|[0-9.]+e-0[89])}} max_rel_err={{(0|[0-9.]+e-0[78])}} PASS
func @main() -> (f32[3,3], f32[3,2], f32[3,2], i32[4], f32[5], f32[3], f32[3,2], f32[2], f32[2]) {
  %ids = constant() {value = [0, 3, 2]} : i32[3]
  %oh = one_hot(%ids) {depth = 3} : f32[3,3]
  %table = constant() {value = [[1, 2], [3, 4], [5, 6]]} : f32[3,2]
  %tid = constant() {value = [2, -1, 0]} : i32[3]
  %tk = take(%table, %tid) {axis = 0} : f32[3,2]
  %base = constant() {value = 1.0} : f32[3,2]
  %sid = constant() {value = [2, 0, 2, 7]} : i32[4]
  %upd = constant() {value = [[10, 20], [30, 40], [50, 60], [70, 80]]} : f32[4,2]
  %sc = scatter_add(%base, %sid, %upd) {axis = 0} : f32[3,2]
  %v = constant() {value = [1, 2, 3, 4]} : i32[4]
  %cs = cumsum(%v) {dim = 0, exclusive = true, reverse = true} : i32[4]
  %w = constant() {value = [1, 2]} : f32[2]
  %pd = pad(%w) {high = [2], low = [1], value = 9.0} : f32[5]
  %r = iota() {dim = 0} : f32[10]
  %sl = slice(%r) {limit = [8], start = [1], stride = [3]} : f32[3]
  %m = constant() {value = [[1, 2, 3], [4, 5, 6]]} : f32[2,3]
  %tr = transpose(%m) {perm = [1, 0]} : f32[3,2]
  %n = constant() {value = [[1, 5, 3], [-4, 2, 6]]} : f32[2,3]
  %mx = reduce_max(%n) {dims = [1]} : f32[2]
  %mn = reduce_min(%n) {dims = [1]} : f32[2]
  %rs = add(%mx, %mn) : f32[2]
  %g0 = constant() {value = [1.0, -0.5]} : f32[2]
  %g = gelu(%g0) : f32[2]
  return %oh, %tk, %sc, %cs, %pd, %sl, %tr, %rs, %g
}
