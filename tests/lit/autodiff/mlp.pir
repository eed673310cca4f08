// The autodiff pass on a Megatron MLP: @main gains d(loss)/d(w1) and d(loss)/d(w2) with the
// weights' types and shardings; the backward einsums contract the cotangent with the other
// operand; partitioning sums the weight gradients over "data" from the annotations alone.
// RUN: partita-opt %s --pipeline=autodiff | FileCheck %s
// RUN: partita-opt %s --pipeline=autodiff | partita-opt | FileCheck %s
// RUN: partita-opt %s --pipeline=autodiff | partita-opt --partition | FileCheck %s --check-prefix=PART
// RUN: partita-opt %s --pipeline=autodiff -o %t.pir
// RUN: partita-run %t.pir --simulate --check | FileCheck %s --check-prefix=EXEC

mesh @mesh = <["data"=2, "model"=2]>

// CHECK-LABEL: func @main(
// CHECK-SAME: -> (f32[], f32[16,64] {sharding = <@mesh, [{}, {"model"}]>}, f32[64,16] {sharding = <@mesh, [{"model"}, {}]>})
// CHECK: %loss = reduce_sum(%s) {dims = [0, 1]} : f32[]
// CHECK: %grad.seed = constant() {value = 1.0{{0*}}} : f32[]
// CHECK: %[[DW2:.*]] = einsum(%grad.r, %g) {spec = "bm,bh->hm"} : f32[64,16]
// CHECK: %[[DW1:.*]] = einsum(%{{.*}}, %x) {spec = "bh,bm->mh"} : f32[16,64]
// CHECK: return %loss, %[[DW1]], %[[DW2]]

// The loss and both weight gradients are summed over "data" in one all_reduce of their
// concatenation (combine-collectives): 1 + 512 + 512 elements.
// PART: attributes {partitioned = @mesh}
// PART-NOT: all_gather
// PART: %combined.ar = all_reduce(%combined) {axes = ["data"], reduction = "sum"} : f32[1025]
// PART-DAG: reshape(%{{.*}}) : f32[16,32]
// PART-DAG: reshape(%{{.*}}) : f32[32,16]
// PART-NOT: all_gather

// EXEC: check: {{.*}} PASS
func @main(%x: f32[256,16] {sharding = <@mesh, [{"data"}, {}]>},
           %w1: f32[16,64] {sharding = <@mesh, [{}, {"model"}]>, trainable = true},
           %w2: f32[64,16] {sharding = <@mesh, [{"model"}, {}]>, trainable = true}) -> (f32[]) {
  %h = einsum(%x, %w1) {spec = "bm,mh->bh"} : f32[256,64]
  %g = gelu(%h) : f32[256,64]
  %y = einsum(%g, %w2) {spec = "bh,hm->bm"} : f32[256,16]
  %r = add(%y, %x) : f32[256,16]
  %s = mul(%r, %r) : f32[256,16]
  %loss = reduce_sum(%s) {dims = [0, 1]} : f32[]
  return %loss
}
