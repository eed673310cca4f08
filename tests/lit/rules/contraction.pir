// Sharding rules of einsum: one factor per letter; letters missing from the output are
// summed (reduction), size-1 letters get none.
// RUN: partita-opt %s --print-sharding-rules | FileCheck %s
mesh @mesh = <["x"=2]>

func @main(%x: f32[4,8], %w: f32[8,16], %g: f32[2,1,8], %h: f32[2,8,3]) -> (f32[4,16], f32[2,1,3]) {
  // CHECK: %y = einsum: ([i,j],[j,k])->([i,k]) {i=4,j=8,k=16} reduction={j}{{$}}
  %y = einsum(%x, %w) {spec = "bm,mh->bh"} : f32[4,16]
  // CHECK-NEXT: %z = einsum: ([i,[],j],[i,j,k])->([i,[],k]) {i=2,j=8,k=3} reduction={j}{{$}}
  %z = einsum(%g, %h) {spec = "gsm,gmc->gsc"} : f32[2,1,3]
  return %y, %z
}
