// The remat pass on a two-layer MLP differentiated by autodiff: the backward reads no
// forward value of a layer; it recomputes each from the layer's stored input, right
// before the first backward op that needs it (layer 1's recomputation comes before layer
// 0's, as their backward does), and the results are bitwise those of the stored program.
// RUN: partita-opt %s --pipeline=autodiff,remat | FileCheck %s
// RUN: partita-opt %s --pipeline=autodiff,remat,remat | FileCheck %s
// RUN: partita-opt %s --pipeline=autodiff -o %t.stored.pir
// RUN: partita-opt %s --pipeline=autodiff,remat -o %t.remat.pir
// RUN: partita-run %t.stored.pir --engine=interp --outputs %t.stored
// RUN: partita-run %t.remat.pir --engine=interp --outputs %t.remat
// RUN: cmp %t.stored/result0.npy %t.remat/result0.npy
// RUN: cmp %t.stored/result1.npy %t.remat/result1.npy
// RUN: cmp %t.stored/result2.npy %t.remat/result2.npy
// Shorter live ranges: at the stored program's peak both layers' activations are live; with
// remat neither stored activation is (at most the one recomputed copy in use).
// RUN: partita-opt %t.stored.pir --memory-report -o /dev/null 2>&1 | FileCheck %s --check-prefix=STORED
// RUN: partita-opt %t.remat.pir --memory-report -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMAT
// Partitioned on a 2x2 mesh, the pass runs after cse (which would merge the copies back):
// RUN: sed -e 's/^func @main(%%x: f32\[32,16\],/mesh @mesh = <["data"=2, "model"=2]>\nfunc @main(%%x: f32[32,16] {sharding = <@mesh, [{"data"}, {}]>},/' %s | partita-opt --pipeline=autodiff -o %t.mesh.pir
// RUN: partita-opt %t.mesh.pir --partition | FileCheck %s --check-prefix=PART
// RUN: partita-run %t.mesh.pir --simulate --check | FileCheck %s --check-prefix=EXEC

// CHECK-LABEL: func @main(
// CHECK-SAME: attributes {remat = "layer"}
// CHECK:      %layer0.h = einsum(%x, %w0)
// CHECK-NEXT: %layer0.a = tanh(%layer0.h)
// CHECK-NEXT: %layer1.h = einsum(%layer0.a, %w1)
// CHECK-NEXT: %layer1.a = tanh(%layer1.h)
// CHECK-NEXT: %loss.sq = mul(%layer1.a, %layer1.a)
// CHECK-NEXT: %loss = reduce_sum(%loss.sq)
// The loss's own values are in no layer: the backward reads them as stored.
// CHECK:      %grad.seed = constant()
// CHECK-NOT:  %layer1.a
// CHECK:      %remat.layer1.h = einsum(%layer0.a, %w1)
// CHECK-NEXT: %remat.layer1.a = tanh(%remat.layer1.h)
// CHECK-NOT:  %layer1.a
// CHECK:      mul(%remat.layer1.a, %remat.layer1.a)
// CHECK-NOT:  %layer0.h
// CHECK:      %remat.layer0.h = einsum(%x, %w0)
// CHECK-NEXT: %remat.layer0.a = tanh(%remat.layer0.h)
// CHECK-NOT:  %layer0.a
// CHECK:      return

// STORED: memory report for @main: peak 14340 bytes
// STORED-DAG: activations        %layer0.a : f32[32,16] = tanh
// STORED-DAG: activations        %layer1.a : f32[32,16] = tanh
// REMAT:  memory report for @main: peak 13316 bytes
// REMAT-NOT: %layer{{[01]}}.a :
// REMAT-NOT: %layer{{[01]}}.h :

// PART: attributes {partitioned = @mesh, remat = "layer"}
// PART: %remat.layer1.h = einsum
// PART: %remat.layer0.h = einsum
// EXEC: check: {{.*}} PASS

func @main(%x: f32[32,16], %w0: f32[16,16] {trainable = true},
           %w1: f32[16,16] {trainable = true}) -> (f32[]) attributes {remat = "layer"} {
  %layer0.h = einsum(%x, %w0) {spec = "bi,io->bo"} : f32[32,16]
  %layer0.a = tanh(%layer0.h) : f32[32,16]
  %layer1.h = einsum(%layer0.a, %w1) {spec = "bi,io->bo"} : f32[32,16]
  %layer1.a = tanh(%layer1.h) : f32[32,16]
  %loss.sq = mul(%layer1.a, %layer1.a) : f32[32,16]
  %loss = reduce_sum(%loss.sq) {dims = [0, 1]} : f32[]
  return %loss
}
