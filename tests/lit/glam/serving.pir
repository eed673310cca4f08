// partita-glam --logits and --decode (docs/inference.md): the logits result keeps the
// vocabulary on `model`; the serving module has @prefill, @decode_step and @main; the
// caches are batch on data and heads on model; the partitioned @decode_step writes each
// device's cache shard in place (dynamic_update_slice on local types, no collective on a
// cache), and the logits of both serving functions come back whole. Runs check them
// against the reference interpreter (--check runs @main; the decode consistency itself is
// tests/unit/GlamDecodeTest.cpp).
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 4 --seq 8 --mesh data=2,model=2 --logits -o %t.logits.pir
// RUN: FileCheck %s --check-prefix=LOGITS < %t.logits.pir
// RUN: partita-run %t.logits.pir --simulate --check | FileCheck %s --check-prefix=SIM
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 4 --seq 8 --mesh data=2,model=2 --decode -o %t.decode.pir
// RUN: FileCheck %s --check-prefix=DECODE < %t.decode.pir
// RUN: partita-opt --partition %t.decode.pir | FileCheck %s --check-prefix=PART
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 1 --seq 1024 --decode --stats-json=- | FileCheck %s --check-prefix=STATS
// RUN: not partita-glam --config 0.1B/64E --moe-layer --decode 2>&1 | FileCheck %s --check-prefix=MOELAYER
// Packed rows keep their logits; serving and training steps do not mix.
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 4 --seq 8 --mesh data=2,model=2 --packed --logits -o %t.packed.pir
// RUN: FileCheck %s --check-prefix=PACKED < %t.packed.pir
// RUN: partita-run %t.packed.pir --simulate --check | FileCheck %s --check-prefix=SIM
// RUN: not partita-glam --config 0.1B/64E --decode --train 2>&1 | FileCheck %s --check-prefix=DECTRAIN
// RUN: not partita-glam --config 0.1B/64E --decode --packed 2>&1 | FileCheck %s --check-prefix=DECPACKED
// RUN: not partita-glam --config 0.1B/64E --logits --train 2>&1 | FileCheck %s --check-prefix=LOGTRAIN

// LOGITS: func @main(
// LOGITS-SAME: -> (f32[], f32[], f32[4,8,64] {sharding = <@mesh, [{"data"}, {}, {"model"}]>})
// SIM: result2: f32[4,8,64]
// SIM: check: {{.*}} PASS

// DECODE: func @prefill(%ids: i32[4,8] {bound = 64, sharding = <@mesh, [{"data"}, {}]>}, %length: i32[] {sharding = <@mesh, []>}, %embed: f32[64,16]
// DECODE-SAME: -> (f32[4,64] {sharding = <@mesh, [{}, {}]>}, f32[4,8,4,4] {sharding = <@mesh, [{"data"}, {}, {"model"}, {}]>},
// DECODE: func @decode_step(%ids: i32[4,1] {bound = 64, sharding = <@mesh, [{"data"}, {}]>}, %pos: i32[] {sharding = <@mesh, []>}, %layer0.attn.k_cache: f32[4,8,4,4] {sharding = <@mesh, [{"data"}, {}, {"model"}, {}]>}, %layer0.attn.v_cache: f32[4,8,4,4] {sharding = <@mesh, [{"data"}, {}, {"model"}, {}]>}, %layer1.attn.k_cache
// DECODE: dynamic_update_slice(%layer0.attn.k_cache, %layer0.attn.k, %zero, %pos, %zero, %zero) : f32[4,8,4,4]
// DECODE: func @main(

// PART: func @prefill(
// PART-SAME: attributes {partitioned = @mesh}
// PART: func @decode_step(
// PART-SAME: -> (f32[4,64] {global = f32[4,64], sharding = <@mesh, [{}, {}]>}, f32[2,8,2,4]
// PART-NOT: k_cache{{[.a-z]*}} = all_
// PART: %layer0.attn.k_cache.next = dynamic_update_slice(%layer0.attn.k_cache, %layer0.attn.k, %zero, %pos, %zero, %zero) : f32[2,8,2,4]
// PART-NOT: k_cache{{[.a-z]*}} = all_
// PART: return
// PART: func @main(

// The decode step of this MoE model costs about its activated size, not all experts.
// STATS: "decode_flops_per_token":

// MOELAYER: partita-glam: error: --decode cannot be combined with --moe-layer
// PACKED: func @main(%ids: {{.*}} %segments: i32[4,8] {{.*}} %positions: i32[4,8]
// PACKED-SAME: -> (f32[], f32[], f32[4,8,64] {sharding = <@mesh, [{"data"}, {}, {"model"}]>})
// DECTRAIN: partita-glam: error: --decode cannot be combined with --train
// DECPACKED: partita-glam: error: --decode cannot be combined with --packed
// LOGTRAIN: partita-glam: error: --logits cannot be combined with --train

func @main(%x: f32[2]) -> (f32[2]) {
  return %x
}
