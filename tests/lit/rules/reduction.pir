// Sharding rules of reductions and scans: reduced dims are reduction factors of their kind;
// cumsum and argmax dims are special (their lowering combines the shards).
// RUN: partita-opt %s --print-sharding-rules | FileCheck %s
mesh @mesh = <["x"=2]>

func @main(%x: f32[4,6,8]) -> (f32[4,8], f32[6], f32[4,6], f32[4,6,8], i32[4,6]) {
  // CHECK: %rs = reduce_sum: ([i,j,k])->([i,k]) {i=4,j=6,k=8} reduction={j}{{$}}
  %rs = reduce_sum(%x) {dims = [1]} : f32[4,8]
  // CHECK-NEXT: %rx = reduce_max: ([i,j,k])->([j]) {i=4,j=6,k=8} reduction_max={i,k}{{$}}
  %rx = reduce_max(%x) {dims = [0, 2]} : f32[6]
  // CHECK-NEXT: %rn = reduce_min: ([i,j,k])->([i,j]) {i=4,j=6,k=8} reduction_min={k}{{$}}
  %rn = reduce_min(%x) {dims = [2]} : f32[4,6]
  // CHECK-NEXT: %cs = cumsum: ([i,j,k])->([i,j,k]) {i=4,j=6,k=8} special={j}{{$}}
  %cs = cumsum(%x) {dim = 1, reverse = true} : f32[4,6,8]
  // CHECK-NEXT: %am = argmax: ([i,j,k])->([i,j]) {i=4,j=6,k=8} special={k}{{$}}
  %am = argmax(%x) {dim = 2} : i32[4,6]
  return %rs, %rx, %rn, %cs, %am
}
