// Under remat, an operand-free tensor (a constant splat, an iota) that several ops share,
// as cse leaves the `1.0`s of the derivative rules, gets a copy right before every consumer
// but the first, so it is not live from the first layer that uses it to the last. Scalars
// and functions without the attribute are left alone; the results are unchanged.
// RUN: partita-opt %s --pipeline=remat | FileCheck %s
// RUN: partita-opt %s --pipeline=remat,remat | FileCheck %s
// RUN: partita-run %s --engine=interp --outputs %t.before
// RUN: partita-opt %s --pipeline=remat | partita-run - --engine=interp --outputs %t.after
// RUN: cmp %t.before/result0.npy %t.after/result0.npy
// RUN: sed -e 's/ attributes {remat = "layer"}//' %s | partita-opt --pipeline=remat | FileCheck %s --check-prefix=OFF

// CHECK:      %one = constant() {value = 1.0{{0*}}} : f32[64,64]
// CHECK-NEXT: %s = constant() {value = 2.0{{0*}}} : f32[]
// CHECK-NEXT: %pos = iota() {dim = 0} : f32[64,64]
// CHECK-NEXT: %layer0.a = add(%x, %one)
// CHECK-NEXT: %layer0.b = mul(%layer0.a, %pos)
// CHECK-NEXT: %layer0.c = mul(%layer0.b, %layer0.b)
// CHECK-NEXT: %remat.one = constant() {value = 1.0{{0*}}} : f32[64,64]
// CHECK-NEXT: %layer1.a = sub(%layer0.c, %remat.one)
// CHECK-NEXT: %remat.pos = iota() {dim = 0} : f32[64,64]
// CHECK-NEXT: %remat.one.1 = constant() {value = 1.0{{0*}}} : f32[64,64]
// CHECK-NEXT: %layer1.b = select(%p, %remat.pos, %remat.one.1)
// CHECK-NEXT: %sb = broadcast_in_dim(%s)
// CHECK-NEXT: %c = add(%layer1.b, %sb)
// CHECK-NEXT: %d = add(%c, %layer1.a)
// CHECK-NEXT: %sum = reduce_sum(%d)
// CHECK-NEXT: %sum2 = mul(%sum, %s)
// OFF-NOT: remat.

func @main(%x: f32[64,64], %p: i1[64,64]) -> (f32[]) attributes {remat = "layer"} {
  %one = constant() {value = 1.0} : f32[64,64]
  %s = constant() {value = 2.0} : f32[]
  %pos = iota() {dim = 0} : f32[64,64]
  %layer0.a = add(%x, %one) : f32[64,64]
  %layer0.b = mul(%layer0.a, %pos) : f32[64,64]
  %layer0.c = mul(%layer0.b, %layer0.b) : f32[64,64]
  %layer1.a = sub(%layer0.c, %one) : f32[64,64]
  %layer1.b = select(%p, %pos, %one) : f32[64,64]
  %sb = broadcast_in_dim(%s) {dims = []} : f32[64,64]
  %c = add(%layer1.b, %sb) : f32[64,64]
  %d = add(%c, %layer1.a) : f32[64,64]
  %sum = reduce_sum(%d) {dims = [0, 1]} : f32[]
  %sum2 = mul(%sum, %s) : f32[]
  return %sum2
}
