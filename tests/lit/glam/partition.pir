// The sharding presets: the 2D preset annotates inputs, parameters and the expert tensors
// only, and partitioning derives the GShard expert all_to_alls over "data" (dispatch from
// groups to experts, then back) plus model-axis collectives; the data preset is plain data
// parallelism (only the scalar loss sums cross devices, in one all_reduce of both:
// combine-collectives); none writes no mesh.
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 4 --seq 8 --mesh data=2,model=2 -o %t.2d.pir
// RUN: FileCheck %s --check-prefix=ANNOT < %t.2d.pir
// RUN: partita-opt --partition %t.2d.pir | FileCheck %s --check-prefix=PART
// RUN: partita-opt --partition %t.2d.pir --stats-json=- | FileCheck %s --check-prefix=STATS
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 4 --seq 8 --mesh data=2 --sharding=data | partita-opt --partition --stats-json=- | FileCheck %s --check-prefix=DATA
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 4 --seq 8 --sharding=none | FileCheck %s --check-prefix=NONE
// The biggest preset partitions too (nothing in the program grows with the mesh).
// RUN: partita-glam --config 64B/64E --layers 2 --mesh data=8,model=4 | partita-opt --partition --stats-json=- | FileCheck %s --check-prefix=BIG

// ANNOT: mesh @mesh = <["data"=2, "model"=2]>
// ANNOT: %ids: i32[4,8] {bound = 64, sharding = <@mesh, [{"data"}, {}]>}
// ANNOT-SAME: %embed: f32[64,16] {sharding = <@mesh, [{"model"}, {}]>, trainable = true}
// ANNOT-SAME: %layer0.attn.wq: f32[16,4,4] {sharding = <@mesh, [{}, {"model"}, {}]>, trainable = true}
// ANNOT-SAME: %layer0.mlp.wi_0: f32[16,32] {sharding = <@mesh, [{}, {"model"}]>, trainable = true}
// ANNOT-SAME: %layer1.moe.gate: f32[16,4] {sharding = <@mesh, [{}, {}]>, trainable = true}
// ANNOT-SAME: %layer1.moe.wi: f32[4,16,32] {sharding = <@mesh, [{"data"}, {}, {"model"}]>, trainable = true}
// ANNOT-SAME: %layer1.moe.wo: f32[4,32,16] {sharding = <@mesh, [{"data"}, {"model"}, {}]>, trainable = true}
// ANNOT: sharding_constraint(%embedded) {sharding = <@mesh, [{"data"}, {}, {"model"}]>}
// ANNOT: sharding_constraint(%layer1.moe.expert_in) {sharding = <@mesh, [{"data"}, {}, {}, {"model"}]>} : f32[4,4,8,16]
// ANNOT: sharding_constraint(%layer1.moe.out) {sharding = <@mesh, [{"data"}, {}, {"model"}]>}

// PART: func @main({{.*}}) -> (f32[] {{.*}}, f32[] {{.*}}) attributes {partitioned = @mesh}
// PART: %layer1.moe.expert_in = einsum({{.*}}) {spec = "gsec,gsm->egcm"} : f32[4,2,8,8]
// PART-NEXT: all_to_all(%layer1.moe.expert_in) {axes = ["data"], concat_dim = 1, split_dim = 0} : f32[2,4,8,8]
// PART: einsum({{.*}}) {spec = "egch,ehm->egcm"}
// PART: all_to_all({{.*}}) {axes = ["data"], concat_dim = 0, split_dim = 1} : f32[4,2,8,8]
// PART: einsum({{.*}}) {spec = "gsec,egcm->gsm"} : f32[2,8,8]

// STATS: "devices": 4,
// STATS: {"kind": "all_to_all", "axes": ["data"], "bytes": 2048},
// STATS: {"kind": "all_to_all", "axes": ["data"], "bytes": 2048},

// DATA: "devices": 2,
// DATA-NEXT: "mesh": {"data": 2},
// DATA-NEXT: "collectives": [
// DATA-NEXT: {"kind": "all_reduce", "axes": ["data"], "bytes": 8}
// DATA-NEXT: ],

// NONE-NOT: mesh
// NONE-NOT: sharding
// NONE: func @main(%ids: i32[4,8] {bound = 64}, %labels: i32[4,8] {bound = 64}, %embed: f32[64,16] {trainable = true},

// BIG: "devices": 32,
// BIG: "kind": "all_to_all", "axes": ["data"]
// BIG: "kind": "all_to_all", "axes": ["data"]

func @main(%x: f32[2]) -> (f32[2]) {
  return %x
}
