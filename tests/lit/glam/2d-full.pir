// --sharding=2d-full: dense, attention and embedding weights are stored split over "data"
// as well as "model" (the first unsplit dimension "data" divides), constrained back to the
// 2d layout where used, so the partitioner gathers each over "data" just before its layer;
// expert weights and the 1-d norm scales keep their 2d sharding. Per device the
// parameters shrink (2d: 51860 B, 2d-full: 27668 B on this 2x2 training step).
// RUN: partita-glam --config 0.1B --layers 2 --vocab 64 --seq 16 --batch 8 --d-model 32 --ffn 64 --heads 4 --head-dim 8 --train --sharding=2d-full --mesh data=2,model=2 -o %t.pir
// RUN: FileCheck %s --check-prefix=ARGS --input-file=%t.pir
// RUN: partita-opt %t.pir --partition --stats-json=- -o %t.part.pir | FileCheck %s --check-prefix=STATS
// RUN: FileCheck %s --check-prefix=PART --input-file=%t.part.pir
// RUN: partita-glam --config 0.1B --layers 2 --vocab 64 --seq 16 --batch 8 --d-model 32 --ffn 64 --heads 4 --head-dim 8 --train --sharding=2d --mesh data=2,model=2 | partita-opt - --partition --stats-json=- -o /dev/null | FileCheck %s --check-prefix=STATS2D

// ARGS-DAG: %embed: f32[64,32] {sharding = <@mesh, [{"model"}, {"data"}]>
// ARGS-DAG: %layer0.attn.wq: f32[32,4,8] {sharding = <@mesh, [{"data"}, {"model"}, {}]>
// ARGS-DAG: %layer0.attn.wo: f32[4,8,32] {sharding = <@mesh, [{"model"}, {"data"}, {}]>
// ARGS-DAG: %layer0.mlp.wi_0: f32[32,64] {sharding = <@mesh, [{"data"}, {"model"}]>
// ARGS-DAG: %layer0.attn_norm.scale: f32[32] {sharding = <@mesh, [{"model"}]>
// ARGS: sharding_constraint(%layer0.attn.wq) {sharding = <@mesh, [{}, {"model"}, {}]>}
// PART-DAG: all_gather(%embed) {axes = ["data"], dim = 1}
// PART-DAG: all_gather(%layer0.attn.wq) {axes = ["data"], dim = 0}
// PART-DAG: all_gather(%layer1.mlp.wi_0) {axes = ["data"], dim = 0}
// Their gradients come back summed and split over "data" in one reduce_scatter each
// (merge-collectives), never as a whole-weight all_reduce followed by a slice:
// PART-DAG: reduce_scatter(%{{.*}}) {axes = ["data"], dim = 0, reduction = "sum"} : f32[16,2,8]
// PART-DAG: reduce_scatter(%{{.*}}) {axes = ["data"], dim = 1, reduction = "sum"} : f32[2,4,32]
// PART-DAG: reduce_scatter(%{{.*}}) {axes = ["data"], dim = 0, reduction = "sum"} : f32[16,32]
// STATS: "param_bytes_per_device": 27668,
// STATS2D: "param_bytes_per_device": 51860,
