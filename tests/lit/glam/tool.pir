// partita-glam writes a module that partita-opt parses, verifies and prints unchanged, with
// the named parameters, bound ids, the GShard MoE einsums and (loss, aux) results.
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 8 --ffn 16 --heads 2 --head-dim 4 --experts 4 --vocab 32 --batch 2 --seq 8 -o %t.pir
// RUN: partita-opt %t.pir | diff - %t.pir
// RUN: FileCheck %s < %t.pir
// RUN: partita-glam --config 0.1B --layers 1 --d-model 8 --ffn 16 --heads 2 --head-dim 4 --vocab 32 --batch 2 --seq 4 --activations=bf16 | partita-opt | FileCheck %s --check-prefix=BF16
// RUN: partita-glam --help | FileCheck %s --check-prefix=HELP

// CHECK: func @main(%ids: i32[2,8] {bound = 32}, %labels: i32[2,8] {bound = 32}, %embed: f32[32,8] {trainable = true}, %layer0.attn_norm.scale: f32[8] {trainable = true}, %layer0.attn.wq: f32[8,2,4] {trainable = true}, %layer0.attn.wk: f32[8,2,4] {trainable = true}, %layer0.attn.wv: f32[8,2,4] {trainable = true}, %layer0.attn.wo: f32[2,4,8] {trainable = true}, %layer0.attn.rel_bias: f32[2,32] {trainable = true}, %layer0.ffn_norm.scale: f32[8] {trainable = true}, %layer0.mlp.wi_0: f32[8,16] {trainable = true}, %layer0.mlp.wi_1: f32[8,16] {trainable = true}, %layer0.mlp.wo: f32[16,8] {trainable = true}, {{.*}} %layer1.moe.gate: f32[8,4] {trainable = true}, %layer1.moe.wi: f32[4,8,16] {trainable = true}, %layer1.moe.wo: f32[4,16,8] {trainable = true}, %final_norm.scale: f32[8] {trainable = true}) -> (f32[], f32[]) {
// CHECK: %embedded = take(%embed, %ids) {axis = 0} : f32[2,8,8]
// CHECK: %relpos.bucket_of_distance = constant() {value = [0, 1, 2, 3, 4, 5, 6, 7]} : i32[8]
// CHECK: %layer0.attn.bias = take(%layer0.attn.rel_bias, %relpos.bucket) {axis = 1} : f32[2,8,8]
// CHECK: %layer0.mlp.h0 = einsum({{.*}}, %layer0.mlp.wi_0) {spec = "bsm,mh->bsh"} : f32[2,8,16]
// CHECK-NOT: moe
// CHECK: %layer1.moe.gate_logits = einsum({{.*}}, %layer1.moe.gate) {spec = "gsm,me->gse"} : f32[2,8,4]
// CHECK: %layer1.moe.top1 = argmax(%layer1.moe.probs) {dim = 2} : i32[2,8]
// CHECK: %layer1.moe.top2 = argmax(%layer1.moe.rest) {dim = 2} : i32[2,8]
// C = min(ceil(2.0 * 2 * 8 / 4), 8) = 8
// CHECK: %layer1.moe.capacity = constant() {value = 8.0{{0*}}} : f32[2,8,4]
// CHECK: %layer1.moe.pos1 = cumsum(%layer1.moe.mask1) {dim = 1, exclusive = true} : f32[2,8,4]
// CHECK: %layer1.moe.expert_in = einsum(%layer1.moe.dispatch, {{.*}}) {spec = "gsec,gsm->egcm"} : f32[4,2,8,8]
// CHECK: %layer1.moe.expert_h = einsum(%layer1.moe.expert_in, %layer1.moe.wi) {spec = "egcm,emh->egch"} : f32[4,2,8,16]
// CHECK: gelu(%layer1.moe.expert_h)
// CHECK: %layer1.moe.expert_out = einsum(%layer1.moe.expert_gelu, %layer1.moe.wo) {spec = "egch,ehm->egcm"} : f32[4,2,8,8]
// CHECK: %layer1.moe.out = einsum(%layer1.moe.combine, %layer1.moe.expert_out) {spec = "gsec,egcm->gsm"} : f32[2,8,8]
// CHECK: %logits = einsum(%final_scaled, %embed) {spec = "bsm,vm->bsv"} : f32[2,8,32]
// CHECK: return %loss, %layer1.moe.aux

// Weights stay f32 arguments, converted where they are used; the loss is computed in f32
// and returned in bf16.
// BF16: func @main({{.*}}%embed: f32[32,8]{{.*}} -> (bf16[], bf16[])
// BF16: %embedded.bf16 = convert(%embedded) : bf16[2,4,8]
// BF16: %layer0.attn.wq.bf16 = convert(%layer0.attn.wq) : bf16[8,2,4]
// BF16: einsum({{.*}}, %layer0.attn.wq.bf16) {spec = "bsm,mnk->bsnk"} : bf16[2,4,2,4]
// BF16: %logits.f32 = convert(%logits) : f32[2,4,32]
// BF16: %aux_total = constant() {value = 0.0{{0*}}} : f32[]
// BF16: %loss = add(%cross_entropy, %aux_w) : f32[]
// BF16: return %loss.bf16, %aux_total.bf16

// HELP: usage: partita-glam --config NAME
// HELP: 0.1B 0.1B/64E 1.7B 1.7B/32E 1.7B/64E 1.7B/128E 1.7B/256E 8B 8B/64E 137B 64B/64E
// HELP: examples:
// HELP: partita-glam --config 64B/64E --stats-json=-

func @main(%x: f32[2]) -> (f32[2]) {
  return %x
}
