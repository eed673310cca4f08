// MoE dispatch and combine with NaN/inf where the masks are zero, split over data=2: a NaN
// and an inf at dropped tokens, a NaN in an unfilled capacity slot (Inputs/
// moe_non_finite.pir.in). The reference propagates them (0 * NaN and 0 * inf are NaN); the
// JIT's scatter of the sparse mask must too. Each device's einsum has 2^20 multiply-adds,
// enough for the scatter path. The NaN counts are by hand: dispatch gets NaN at every
// (e, c) of (g=1, m=5) and of (g=0, m=7), 2 x 8 x 16; combine at every token of (g=0, m=9).
// RUN: rm -rf %t && mkdir -p %t
// RUN: partita-run %S/Inputs/moe_non_finite.pir.in --outputs %t
// RUN: partita-run %s --simulate --check --inputs %t | FileCheck %s
// CHECK: result0: f32[8,2,16,128]
// CHECK-NEXT: result1: f32[2,64,128]
// CHECK-NEXT: result2: i32[] [256] sum=256
// CHECK-NEXT: result3: i32[] [64] sum=64
// CHECK-NEXT: check: {{.*}} PASS
mesh @m = <["data"=2]>

func @main(%result0: f32[2,64,8,16] {sharding = <@m, [{"data"}, {}, {}, {}]>},
           %result1: f32[2,64,128] {sharding = <@m, [{"data"}, {}, {}]>},
           %result2: f32[8,2,16,128] {sharding = <@m, [{}, {"data"}, {}, {}]>})
    -> (f32[8,2,16,128], f32[2,64,128], i32[], i32[]) {
  %d = einsum(%result0, %result1) {spec = "gsec,gsm->egcm"} : f32[8,2,16,128]
  %o = einsum(%result0, %result2) {spec = "gsec,egcm->gsm"} : f32[2,64,128]
  %dn = compare(%d, %d) {direction = "ne"} : i1[8,2,16,128]
  %dc = convert(%dn) : i32[8,2,16,128]
  %nd = reduce_sum(%dc) {dims = [0, 1, 2, 3]} : i32[]
  %on = compare(%o, %o) {direction = "ne"} : i1[2,64,128]
  %oc = convert(%on) : i32[2,64,128]
  %no = reduce_sum(%oc) {dims = [0, 1, 2]} : i32[]
  return %d, %o, %nd, %no
}
