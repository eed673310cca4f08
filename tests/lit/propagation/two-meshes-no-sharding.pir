// With two meshes and no sharding nothing chooses the mesh to partition over: a located
// error, from partita-opt and from partita-run (found by partita-fuzz-simulate).
// RUN: not partita-opt %s --partition 2>&1 | FileCheck %s
// RUN: not partita-run --simulate %s 2>&1 | FileCheck %s
// CHECK: two-meshes-no-sharding.pir:[[@LINE+5]]:1: error: function @main has no sharding to choose among the meshes @mesh, @other; annotate a value with a sharding over the mesh to partition over
// CHECK-NOT: internal error

mesh @mesh = <["data"=2]>
mesh @other = <["x"=4]>
func @main(%x: f32[4,8], %w: f32[8,16]) -> (f32[4,16]) {
  %h = einsum(%x, %w) {spec = "bm,mh->bh"} : f32[4,16]
  return %h
}
