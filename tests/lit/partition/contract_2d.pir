// Batch on data, contraction on model: a local einsum and an all_reduce over the model
// subgroup only; with a split consumer, a reduce_scatter over model instead.
// RUN: partita-opt %s --partition | FileCheck %s
// RUN: partita-opt %s --partition --stats-json=- | FileCheck %s --check-prefix=STATS
// RUN: partita-run %s --simulate --check | FileCheck %s --check-prefix=SIM
mesh @mesh = <["data"=2, "model"=2]>

// CHECK-LABEL: func @main
func @main(%x: f32[8,16] {sharding = <@mesh, [{"data"}, {"model"}]>},
           %w: f32[16,6] {sharding = <@mesh, [{"model"}, {}]>})
    -> (f32[8,6] {sharding = <@mesh, [{"data"}, {}]>}, f32[8,6] {sharding = <@mesh, [{"data"}, {"model"}]>}) {
  // CHECK: %h = einsum(%x, %w) {spec = "bm,mh->bh"} : f32[4,6]
  %h = einsum(%x, %w) {spec = "bm,mh->bh"} : f32[8,6]
  // CHECK-DAG: all_reduce(%h) {axes = ["model"], reduction = "sum"} : f32[4,6]
  // CHECK-DAG: reduce_scatter(%h) {axes = ["model"], dim = 1, reduction = "sum"} : f32[4,3]
  return %h, %h
}
// STATS: "devices": 4
// STATS: "kind": "all_reduce"
// STATS: "bytes": 96
// SIM: check: {{.*}} PASS
