// NaN and +-inf through argmax and max/min reductions along a dimension split over
// model=2: the partitioned program (JIT and interpreter engine) must give the reference's
// results. argmax takes NaN as the maximum (the first NaN wins), reduce_max/min propagate
// NaN. The expected values are written out by hand from Inputs/non_finite.pir.in; rows hold
// a NaN in the first shard, in the second, in both, +inf ties, only -inf, and (result1, 7
// columns) an uneven split with a padding cell. %issue is [[0, nan, 1, 2]].
// RUN: rm -rf %t && mkdir -p %t
// RUN: partita-run %S/Inputs/non_finite.pir.in --outputs %t
// RUN: partita-run %s --simulate --check --inputs %t | FileCheck %s
// RUN: partita-run %s --simulate --check --inputs %t --engine=interp | FileCheck %s
// The split lowering is the one under test: local argmax, then two all_reduces (the
// argmaxes are independent, so combine-collectives sends their f32 maxima in one and
// their i32 candidate indices in another).
// RUN: partita-opt %s --partition | FileCheck %s --check-prefix=IR
// IR: %combined.ar = all_reduce(%combined) {axes = ["model"], reduction = "max"} : f32[10]
// IR: %combined.ar.1 = all_reduce(%combined.1) {axes = ["model"], reduction = "min"} : i32[16]
// IR: %a = slice(%combined.ar.1) {limit = [7], start = [1]} : i32[6]
// CHECK: result0: i32[1] [1] sum=1
// CHECK-NEXT: result1: i32[6] [1, 6, 0, 5, 0, 7] sum=19
// CHECK-NEXT: result2: i32[3] [6, 3, 4] sum=13
// CHECK-NEXT: result3: i32[6] [1, 6, 0, 5, 0, 7] sum=19
// CHECK-NEXT: result4: f32[6] [nan, nan, nan, inf, -inf, nan] sum=nan
// CHECK-NEXT: result5: f32[6] [nan, nan, nan, 1, -inf, nan] sum=nan
// CHECK-NEXT: result6: f32[3] [nan, nan, 9] sum=nan
// CHECK-NEXT: check: max_abs_err=0 max_rel_err=0 PASS
mesh @m = <["model"=2]>

func @main(%result0: f32[6,8] {sharding = <@m, [{}, {"model"}]>},
           %result1: f32[3,7] {sharding = <@m, [{}, {"model"}]>})
    -> (i32[1], i32[6], i32[3], i32[6], f32[6], f32[6], f32[3]) {
  %row = slice(%result0) {limit = [1, 4], start = [0, 0]} : f32[1,4]
  %issue = sharding_constraint(%row) {sharding = <@m, [{}, {"model"}]>} : f32[1,4]
  %ai = argmax(%issue) {dim = 1} : i32[1]
  %a = argmax(%result0) {dim = 1} : i32[6]
  %au = argmax(%result1) {dim = 1} : i32[3]
  %h = convert(%result0) : bf16[6,8]
  %ah = argmax(%h) {dim = 1} : i32[6]
  %mx = reduce_max(%result0) {dims = [1]} : f32[6]
  %mn = reduce_min(%result0) {dims = [1]} : f32[6]
  %mu = reduce_max(%result1) {dims = [1]} : f32[3]
  return %ai, %a, %au, %ah, %mx, %mn, %mu
}
