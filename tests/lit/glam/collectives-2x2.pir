// The key collectives of the 2x2 (data x model) GLaM program, in the GSPMD layout:
// - the vocabulary-parallel embedding lookup leaves a pending sum, reduce-scattered onto M;
// - the attention output contracts the model-split heads locally and reduce-scatters the
//   partial sum onto M (no gather of `o`, no all_to_all of `wo`), like the dense wo;
// - the expert dispatch and combine are each one all_to_all over "data";
// - the logits stay vocabulary-parallel: `embed` is used as it is stored (never gathered)
//   and the log-softmax reduces over V with small all_reduces over "model".
// - independent small all_reduces share one (combine-collectives).
// The 4-layer model of the demo (vocabulary 512) gets the same structure, and both run
// correctly under --simulate.
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 4 --seq 8 --mesh data=2,model=2 -o %t.small.pir
// RUN: partita-opt --partition %t.small.pir -o %t.small.part.pir
// RUN: FileCheck %s --input-file=%t.small.part.pir
// RUN: FileCheck %s --check-prefix=NOGATHER --input-file=%t.small.part.pir
// RUN: partita-run %t.small.pir --simulate --check | FileCheck %s --check-prefix=SIM
// RUN: partita-glam --config 1.7B/64E --layers 4 --d-model 64 --ffn 256 --heads 4 --head-dim 16 --experts 8 --vocab 512 --seq 64 --batch 4 --mesh data=2,model=2 -o %t.demo.pir
// RUN: partita-opt --partition %t.demo.pir -o %t.demo.part.pir
// RUN: FileCheck %s --check-prefix=DEMO --input-file=%t.demo.part.pir
// RUN: FileCheck %s --check-prefix=NOGATHER --input-file=%t.demo.part.pir
// RUN: partita-run %t.demo.pir --simulate --check | FileCheck %s --check-prefix=SIM

// CHECK: %embedded = take(%embed, {{.*}}) {axis = 0} : f32[2,8,16]
// CHECK-NEXT: reduce_scatter(%embedded) {axes = ["model"], dim = 2, reduction = "sum"} : f32[2,8,8]
// CHECK: %layer0.attn.o = einsum({{.*}}) {spec = "bnst,btnk->bsnk"} : f32[2,8,2,4]
// CHECK-NEXT: %layer0.attn.out = einsum(%layer0.attn.o, %layer0.attn.wo) {spec = "bsnk,nkm->bsm"} : f32[2,8,16]
// CHECK-NEXT: reduce_scatter(%layer0.attn.out) {axes = ["model"], dim = 2, reduction = "sum"} : f32[2,8,8]
// CHECK: %layer0.mlp.out = einsum({{.*}}) {spec = "bsh,hm->bsm"} : f32[2,8,16]
// CHECK-NEXT: reduce_scatter(%layer0.mlp.out) {axes = ["model"], dim = 2, reduction = "sum"} : f32[2,8,8]
// CHECK: %layer1.attn.out = einsum(%layer1.attn.o, %layer1.attn.wo) {spec = "bsnk,nkm->bsm"} : f32[2,8,16]
// CHECK-NEXT: reduce_scatter(%layer1.attn.out) {axes = ["model"], dim = 2, reduction = "sum"} : f32[2,8,8]
// CHECK: %layer1.moe.expert_in = einsum({{.*}}) {spec = "gsec,gsm->egcm"} : f32[4,2,8,8]
// CHECK-NEXT: all_to_all(%layer1.moe.expert_in) {axes = ["data"], concat_dim = 1, split_dim = 0} : f32[2,4,8,8]
// CHECK: %layer1.moe.expert_out = einsum({{.*}}) {spec = "egch,ehm->egcm"} : f32[2,4,8,16]
// CHECK-NEXT: reduce_scatter(%layer1.moe.expert_out) {axes = ["model"], dim = 3, reduction = "sum"} : f32[2,4,8,8]
// CHECK-NEXT: all_to_all({{.*}}) {axes = ["data"], concat_dim = 0, split_dim = 1} : f32[4,2,8,8]
// CHECK-NEXT: einsum({{.*}}) {spec = "gsec,egcm->gsm"} : f32[2,8,8]
// CHECK: %logits = einsum({{.*}}, %embed) {spec = "bsm,vm->bsv"} : f32[2,8,32]
// CHECK: all_reduce(%logits.max) {axes = ["model"], reduction = "max"} : f32[2,8]
// The sum of exponentials and the picked logit do not depend on each other: one
// all_reduce of both (combine-collectives), and one for the aux and nll sums over "data".
// CHECK: %combined = concatenate(%logits.sum.flat, %picked.flat) {dim = 0} : f32[32]
// CHECK-NEXT: all_reduce(%combined) {axes = ["model"], reduction = "sum"} : f32[32]
// CHECK: %combined.1 = concatenate(%layer1.moe.aux_sum.flat, %nll.sum.flat) {dim = 0} : f32[2]
// CHECK-NEXT: all_reduce(%combined.1) {axes = ["data"], reduction = "sum"} : f32[2]

// NOGATHER-NOT: all_gather(%embed
// NOGATHER-NOT: {{(all_gather|all_to_all)}}(%layer{{[0-9]+}}.attn.{{(o|wo)}})
// NOGATHER: return %

// DEMO: %layer0.attn.out = einsum(%layer0.attn.o, %layer0.attn.wo) {spec = "bsnk,nkm->bsm"} : f32[2,64,64]
// DEMO-NEXT: reduce_scatter(%layer0.attn.out) {axes = ["model"], dim = 2, reduction = "sum"} : f32[2,64,32]
// DEMO: all_to_all(%layer1.moe.expert_in) {axes = ["data"], concat_dim = 1, split_dim = 0} : f32[4,4,32,32]
// DEMO: all_to_all({{.*}}) {axes = ["data"], concat_dim = 0, split_dim = 1} : f32[8,2,32,32]
// DEMO: all_to_all(%layer3.moe.expert_in) {axes = ["data"], concat_dim = 1, split_dim = 0} : f32[4,4,32,32]
// DEMO: all_to_all({{.*}}) {axes = ["data"], concat_dim = 0, split_dim = 1} : f32[8,2,32,32]
// DEMO: %logits = einsum({{.*}}, %embed) {spec = "bsm,vm->bsv"} : f32[2,64,256]

// SIM: result0: f32[]
// SIM: result1: f32[]
// SIM: check: {{.*}} PASS

func @main(%x: f32[2]) -> (f32[2]) {
  return %x
}
