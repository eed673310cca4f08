// Integer reductions over an unevenly split dimension: the padding of the last shard is
// masked with the identity of the reduction in the integer type (i32 max: INT32_MIN, min:
// INT32_MAX), not with an infinity cast to int64, and the results equal the reference.
// RUN: partita-opt %s --partition | FileCheck %s
// RUN: partita-run %s --simulate --check | FileCheck %s --check-prefix=SIM
// RUN: partita-run %s --simulate --check --engine=interp | FileCheck %s --check-prefix=SIM
mesh @m = <["a"=2]>

// CHECK-LABEL: func @main
func @main(%x: i32[3] {sharding = <@m, [{"a"}]>, bound = 100}, %y: f32[3, 5] {sharding = <@m, [{}, {"a"}]>}) -> (i32[], i32[], i32[3], i32[]) {
  // CHECK-DAG: constant() {value = -2147483648} : i32[2]
  // CHECK-DAG: constant() {value = 2147483647} : i32[2]
  %mx = reduce_max(%x) {dims = [0]} : i32[]
  %mn = reduce_min(%x) {dims = [0]} : i32[]
  %am = argmax(%y) {dim = 1} : i32[3]
  %ai = argmax(%x) {dim = 0} : i32[]
  return %mx, %mn, %am, %ai
}
// SIM: check: {{.*}} PASS
