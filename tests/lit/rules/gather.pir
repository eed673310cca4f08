// Sharding rules of the index-driven ops: one_hot's depth is special, take sums over the
// table's looked-up dim, scatter_add sums over the ids' dims.
// RUN: partita-opt %s --print-sharding-rules | FileCheck %s
mesh @mesh = <["x"=2]>

func @main(%ids: i32[3,5], %t: f32[10,7], %u: f32[3,5,7])
    -> (f32[3,5,10], f32[10,3,5], f32[3,5,7], f32[10,7]) {
  // CHECK: %oh = one_hot: ([i,j])->([i,j,k]) {i=3,j=5,k=10} special={k}{{$}}
  %oh = one_hot(%ids) {depth = 10} : f32[3,5,10]
  // CHECK-NEXT: %o0 = one_hot: ([i,j])->([k,i,j]) {i=3,j=5,k=10} special={k}{{$}}
  %o0 = one_hot(%ids) {axis = 0, depth = 10} : f32[10,3,5]
  // CHECK-NEXT: %tk = take: ([i,j],[k,l])->([k,l,j]) {i=10,j=7,k=3,l=5} reduction={i}{{$}}
  %tk = take(%t, %ids) {axis = 0} : f32[3,5,7]
  // CHECK-NEXT: %sa = scatter_add: ([i,j],[k,l],[k,l,j])->([i,j]) {i=10,j=7,k=3,l=5} reduction={k,l} special={i}{{$}}
  %sa = scatter_add(%t, %ids, %u) {axis = 0} : f32[10,7]
  return %oh, %o0, %tk, %sa
}
