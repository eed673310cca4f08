// Verifier: pad of an i32 or i1 operand takes a value of that type, as constants do.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}pad-int-value.pir:13:48: error: attribute 'value' of 'pad' is 1e+30, which is not a value of i32
// CHECK-NEXT: {{.*}}pad-int-value.pir:14:48: error: attribute 'value' of 'pad' is 2.5, which is not a value of i32
// CHECK-NEXT: {{.*}}pad-int-value.pir:15:48: error: attribute 'value' of 'pad' is 2, which is not a value of i1
// CHECK-NOT: error:
// RUN: sed -e '/BAD/d' %s | partita-run - --simulate --check | FileCheck %s --check-prefix=OK
// OK: result0: i32[6] [-7, {{[0-3]}}, {{[0-3]}}, {{[0-3]}}, {{[0-3]}}, -7]
// OK: check: {{.*}} PASS

mesh @m = <["a"=2]>
func @main(%x: i32[4] {sharding = <@m, [{"a"}]>, bound = 4}, %p: i1[4]) -> (i32[6]) {
  %a = pad(%x) {high = [1], low = [1], value = 1e30} : i32[6] // BAD
  %b = pad(%x) {high = [1], low = [1], value = 2.5} : i32[6] // BAD
  %c = pad(%p) {high = [1], low = [1], value = 2} : i1[6] // BAD
  %d = pad(%x) {high = [1], low = [1], value = -7.0} : i32[6]
  return %d
}
