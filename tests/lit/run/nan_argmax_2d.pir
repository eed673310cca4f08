// argmax and max/min reductions with NaN and +-inf (Inputs/non_finite.pir.in) along a
// dimension split over both axes of a 2x2 mesh (four shards; result1's 7 columns leave the
// last shard one cell and padding), and over one axis while the rows are split over the
// other. Expected values by hand; --check compares with the reference too.
// RUN: rm -rf %t && mkdir -p %t
// RUN: partita-run %S/Inputs/non_finite.pir.in --outputs %t
// RUN: partita-run %s --simulate --check --inputs %t | FileCheck %s
// RUN: partita-run %s --simulate --check --inputs %t --engine=interp | FileCheck %s
// CHECK: result0: i32[6] [1, 6, 0, 5, 0, 7] sum=19
// CHECK-NEXT: result1: i32[6] [1, 6, 0, 5, 0, 7] sum=19
// CHECK-NEXT: result2: i32[3] [6, 3, 4] sum=13
// CHECK-NEXT: result3: f32[6] [nan, nan, nan, inf, -inf, nan] sum=nan
// CHECK-NEXT: result4: f32[6] [nan, nan, nan, 1, -inf, nan] sum=nan
// CHECK-NEXT: result5: f32[3] [nan, nan, 9] sum=nan
// CHECK-NEXT: check: max_abs_err=0 max_rel_err=0 PASS
mesh @m = <["x"=2, "y"=2]>

func @main(%result0: f32[6,8] {sharding = <@m, [{}, {"x", "y"}]>},
           %result1: f32[3,7] {sharding = <@m, [{}, {"x", "y"}]>})
    -> (i32[6], i32[6], i32[3], f32[6], f32[6], f32[3]) {
  %a4 = argmax(%result0) {dim = 1} : i32[6]
  %r = sharding_constraint(%result0) {sharding = <@m, [{"x"}, {"y"}]>} : f32[6,8]
  %a2 = argmax(%r) {dim = 1} : i32[6]
  %au = argmax(%result1) {dim = 1} : i32[3]
  %mx = reduce_max(%result0) {dims = [1]} : f32[6]
  %mn = reduce_min(%r) {dims = [1]} : f32[6]
  %mu = reduce_max(%result1) {dims = [1]} : f32[3]
  return %a4, %a2, %au, %mx, %mn, %mu
}
