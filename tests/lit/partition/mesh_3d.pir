// A 3D mesh: batch over two axes, hidden over the third; the contraction over the hidden
// dimension reduces within the "z" subgroup only, and the result's z split makes it a
// reduce_scatter.
// RUN: partita-opt %s --partition | FileCheck %s
// RUN: partita-run %s --simulate --check | FileCheck %s --check-prefix=SIM
mesh @mesh = <["x"=2, "y"=2, "z"=2]>

// CHECK-LABEL: func @main
func @main(%a: f32[8,6] {sharding = <@mesh, [{"x", "y"}, {"z"}]>},
           %w: f32[6,10] {sharding = <@mesh, [{"z"}, {}]>}) -> (f32[8,10] {sharding = <@mesh, [{"x", "y"}, {"z"}]>}) {
  // CHECK: einsum(%a, %w) {spec = "bh,hm->bm"} : f32[2,10]
  // CHECK-NEXT: reduce_scatter(%{{.*}}) {axes = ["z"], dim = 1, reduction = "sum"} : f32[2,5]
  // CHECK-NOT: all_
  %o = einsum(%a, %w) {spec = "bh,hm->bm"} : f32[8,10]
  return %o
}
// SIM: check: {{.*}} PASS
