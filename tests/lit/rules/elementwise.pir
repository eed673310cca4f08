// Sharding rules of the elementwise ops: every result dimension is one factor that all
// operands share; a size-1 dimension gets none ([]).
// RUN: partita-opt %s --print-sharding-rules | FileCheck %s
mesh @mesh = <["x"=2]>

func @main(%a: f32[4,1,8], %b: f32[4,1,8]) -> (f32[4,1,8], i32[4,1,8]) {
  // CHECK: %n = neg: ([i,[],j])->([i,[],j]) {i=4,j=8}{{$}}
  %n = neg(%a) : f32[4,1,8]
  // CHECK-NEXT: %s = add: ([i,[],j],[i,[],j])->([i,[],j]) {i=4,j=8}{{$}}
  %s = add(%n, %b) : f32[4,1,8]
  // CHECK-NEXT: %c = compare: ([i,[],j],[i,[],j])->([i,[],j]) {i=4,j=8}{{$}}
  %c = compare(%s, %b) {direction = "lt"} : i1[4,1,8]
  // CHECK-NEXT: %e = select: ([i,[],j],[i,[],j],[i,[],j])->([i,[],j]) {i=4,j=8}{{$}}
  %e = select(%c, %s, %b) : f32[4,1,8]
  // CHECK-NEXT: %i = convert: ([i,[],j])->([i,[],j]) {i=4,j=8}{{$}}
  %i = convert(%e) : i32[4,1,8]
  // CHECK-NEXT: %t = tanh: ([i,[],j])->([i,[],j]) {i=4,j=8}{{$}}
  %t = tanh(%e) : f32[4,1,8]
  return %t, %i
}
