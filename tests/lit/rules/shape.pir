// Sharding rules of the shape and data-movement ops: broadcast dims get no operand factor,
// reshape merges factors ([ij]) or blocks them, extent-changing dims are windows;
// dynamic_slice and dynamic_update_slice block the dimensions they index at a run-time
// offset (blocked={...}: such a dimension cannot be split), their offsets have no factor.
// RUN: partita-opt %s --print-sharding-rules | FileCheck %s
mesh @mesh = <["x"=2]>

func @main(%a: f32[4,6], %v: f32[6,1], %r: f32[2,3,4], %q: f32[2,3], %o: f32[8,6], %u: f32[2,6], %n: i32[]) -> (f32[4,6], f32[3,6], f32[8,6]) {
  // CHECK: %k = constant: ()->([i,j]) {i=4,j=6}{{$}}
  %k = constant() {value = 1.0} : f32[4,6]
  // CHECK-NEXT: %k0 = constant: ()->([]) {}{{$}}
  %k0 = constant() {value = 0.0} : f32[]
  // CHECK-NEXT: %io = iota: ()->([i,j]) {i=4,j=6} special={j}{{$}}
  %io = iota() {dim = 1} : i32[4,6]
  // CHECK-NEXT: %b = broadcast_in_dim: ([j,[]])->([i,j]) {i=4,j=6}{{$}}
  %b = broadcast_in_dim(%v) {dims = [1, 0]} : f32[4,6]
  // CHECK-NEXT: %m = reshape: ([i,j,k])->([ij,k]) {i=2,j=3,k=4}{{$}}
  %m = reshape(%r) : f32[6,4]
  // CHECK-NEXT: %bl = reshape: ([i,j])->([k,l]) {i=2,j=3,k=3,l=2} blocked={i,j,k,l}{{$}}
  %bl = reshape(%q) : f32[3,2]
  // CHECK-NEXT: %tr = transpose: ([i,j])->([j,i]) {i=4,j=6}{{$}}
  %tr = transpose(%a) {perm = [1, 0]} : f32[6,4]
  // CHECK-NEXT: %sl = slice: ([i,j])->([i,j]) {i=4,j=5} window={j}{{$}}
  %sl = slice(%a) {start = [0, 1], limit = [4, 6]} : f32[4,5]
  // CHECK-NEXT: %s1 = slice: ([i,j])->([i,[]]) {i=4,j=6} blocked={j}{{$}}
  %s1 = slice(%a) {start = [0, 0], limit = [4, 1]} : f32[4,1]
  // CHECK-NEXT: %st = slice: ([i,j])->([i,j]) {i=2,j=6} window={i}{{$}}
  %st = slice(%a) {start = [0, 0], limit = [4, 6], stride = [2, 1]} : f32[2,6]
  // CHECK-NEXT: %cc = concatenate: ([i,j],[i,j])->([i,j]) {i=8,j=6} window={i}{{$}}
  %cc = concatenate(%a, %k) {dim = 0} : f32[8,6]
  // CHECK-NEXT: %pd = pad: ([i,j])->([i,j]) {i=6,j=6} window={i}{{$}}
  %pd = pad(%a) {low = [1, 0], high = [1, 0], value = 0.0} : f32[6,6]
  // CHECK-NEXT: %sc = sharding_constraint: ([i,j])->([i,j]) {i=4,j=6}{{$}}
  %sc = sharding_constraint(%b) {sharding = <@mesh, [{"x"}, {}]>} : f32[4,6]
  // CHECK-NEXT: %ds = dynamic_slice: ([i,k],[],[])->([j,k]) {i=8,j=3,k=6} blocked={i,j}{{$}}
  %ds = dynamic_slice(%o, %n, %n) {sizes = [3, 6]} : f32[3,6]
  // CHECK-NEXT: %dus = dynamic_update_slice: ([i,k],[j,k],[],[])->([i,k]) {i=8,j=2,k=6} blocked={i,j}{{$}}
  %dus = dynamic_update_slice(%o, %u, %n, %n) : f32[8,6]
  return %sc, %ds, %dus
}
