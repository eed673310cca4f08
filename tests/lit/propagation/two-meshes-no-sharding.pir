// With two meshes and no sharding on @main nothing chooses the mesh: partita-opt leaves the
// function unpartitioned (as any function without a mesh), and partita-run, which would
// have to decide how many devices the program needs, refuses with a located error instead
// of an unlocated internal one (found by partita-fuzz-simulate).
// RUN: partita-opt %s --partition | FileCheck %s --check-prefix=OPT
// RUN: not partita-run --simulate %s 2>&1 | FileCheck %s
// OPT-NOT: partitioned
// OPT: %h = einsum(%x, %w) {spec = "bm,mh->bh"} : f32[4,16]
// CHECK: two-meshes-no-sharding.pir:[[@LINE+4]]:1: error: function @main has no sharding to choose among the meshes @mesh, @other; annotate a value with a sharding over the mesh to run on
// CHECK-NOT: internal error
mesh @mesh = <["data"=2]>
mesh @other = <["x"=4]>
func @main(%x: f32[4,8], %w: f32[8,16]) -> (f32[4,16]) {
  %h = einsum(%x, %w) {spec = "bm,mh->bh"} : f32[4,16]
  return %h
}
