// Partitioning leaves several independent pending sums over "model" (row sums of a
// model-split matrix and of its exponential, and a total that also sums over "data"):
// combine-collectives sends the two over "model" as one all_reduce of their concatenation
// and keeps the one over other axes apart. The program still computes the reference's
// results, and the stats count one collective fewer.
// RUN: partita-opt %s --partition | FileCheck %s
// RUN: partita-opt %s --partition --stats-json=- -o /dev/null | FileCheck %s --check-prefix=STATS
// RUN: partita-run %s --simulate --check | FileCheck %s --check-prefix=SIM
mesh @mesh = <["data"=2, "model"=2]>

// CHECK-LABEL: func @main
// CHECK:      %[[CAT:.*]] = concatenate({{.*}}) {dim = 0} : f32[8]
// CHECK-NEXT: %[[AR:.*]] = all_reduce(%[[CAT]]) {axes = ["model"], reduction = "sum"} : f32[8]
// CHECK-NEXT: slice(%[[AR]]) {limit = [4], start = [0]} : f32[4]
// CHECK-NEXT: slice(%[[AR]]) {limit = [8], start = [4]} : f32[4]
// CHECK-NOT: all_reduce({{.*}}) {axes = ["model"]
// CHECK: return
// STATS:      "collectives": [
// STATS-NEXT: {"kind": "all_reduce", "axes": ["model"], "bytes": 32},
// STATS-NEXT: {"kind": "all_reduce", "axes": ["data", "model"], "bytes": 4}
// STATS-NEXT: ],
// SIM: check: {{.*}} PASS
func @main(%x: f32[8,16] {sharding = <@mesh, [{"data"}, {"model"}]>})
    -> (f32[8] {sharding = <@mesh, [{"data"}]>}, f32[8] {sharding = <@mesh, [{"data"}]>},
        f32[]) {
  %a = reduce_sum(%x) {dims = [1]} : f32[8]
  %e = exp(%x) : f32[8,16]
  %b = reduce_sum(%e) {dims = [1]} : f32[8]
  %t = reduce_sum(%x) {dims = [0, 1]} : f32[]
  return %a, %b, %t
}
