// Source locations (MLIR's trailing `loc("file":line:col)`, which partita-import-cxx writes
// after every op and argument) print back exactly, after the attributes; `loc(unknown)` and
// the positions of a plain .pir file print nothing. File names are strings with escapes.
// RUN: partita-opt %s | FileCheck --match-full-lines %s
// RUN: partita-opt %s | partita-opt | FileCheck --match-full-lines %s
// RUN: partita-opt %s --partition | partita-opt | FileCheck %s --check-prefix=PART

mesh @mesh = <["data"=2]>

func @main(%x: f32[4,8] {sharding = <@mesh, [{"data"}, {}]>} loc("model.cpp":3:40),
           %ids: i32[4] {bound = 8} loc("dir/my \"model\"\\v2.cpp":4:1),
           %w: f32[8,2] loc(unknown), %b: f32[4,2]) -> (f32[4,2], f32[4,8]) {
  %h = einsum(%x, %w) {spec = "bm,mh->bh"} : f32[4,2] loc("model.cpp":12:7)
  %g = gelu(%h) : f32[4,2] loc(unknown)
  %y = add(%g, %b) : f32[4,2]
  %s = sharding_constraint(%y) {sharding = <@mesh, [{"data"}, {}]>} : f32[4,2]   loc( "model.cpp" : 2147483647 : 2147483647 )
  %t = take(%x, %ids) {axis = 0} : f32[4,8] loc("/abs/path/other.h":1:1)
  return %s, %t
}

// CHECK: mesh @mesh = <["data"=2]>
// CHECK-EMPTY:
// CHECK-NEXT: func @main(%x: f32[4,8] {sharding = <@mesh, [{"data"}, {}]>} loc("model.cpp":3:40), %ids: i32[4] {bound = 8} loc("dir/my \"model\"\\v2.cpp":4:1), %w: f32[8,2], %b: f32[4,2]) -> (f32[4,2], f32[4,8]) {
// CHECK-NEXT:   %h = einsum(%x, %w) {spec = "bm,mh->bh"} : f32[4,2] loc("model.cpp":12:7)
// CHECK-NEXT:   %g = gelu(%h) : f32[4,2]
// CHECK-NEXT:   %y = add(%g, %b) : f32[4,2]
// CHECK-NEXT:   %s = sharding_constraint(%y) {sharding = <@mesh, [{"data"}, {}]>} : f32[4,2] loc("model.cpp":2147483647:2147483647)
// CHECK-NEXT:   %t = take(%x, %ids) {axis = 0} : f32[4,8] loc("/abs/path/other.h":1:1)
// CHECK-NEXT:   return %s, %t
// CHECK-NEXT: }

// Passes keep the locations of the ops they rewrite.
// PART: %h = einsum(%x, %w) {spec = "bm,mh->bh"} : f32[2,2] loc("model.cpp":12:7)
// PART: all_gather({{.*}} loc("/abs/path/other.h":1:1)
// PART: %t = take(%x{{.*}}, %ids{{.*}}) {axis = 0} : f32[{{.*}}] loc("/abs/path/other.h":1:1)
