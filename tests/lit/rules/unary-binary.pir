// Sharding rules of the elementwise ops (every unary and binary op of the IR): every
// result dimension is one factor that all operands share; a size-1 dimension gets none
// ([]). (elementwise.pir has neg, add, compare, select, convert and tanh.)
// RUN: partita-opt %s --print-sharding-rules | FileCheck %s
mesh @mesh = <["x"=2]>

func @main(%a: f32[4,1,8], %b: f32[4,1,8], %p: i1[4,1,8], %q: i1[4,1,8]) -> (f32[4,1,8], i1[4,1,8]) {
  // CHECK: %abs = abs: ([i,[],j])->([i,[],j]) {i=4,j=8}{{$}}
  %abs = abs(%a) : f32[4,1,8]
  // CHECK-NEXT: %exp = exp: ([i,[],j])->([i,[],j]) {i=4,j=8}{{$}}
  %exp = exp(%abs) : f32[4,1,8]
  // CHECK-NEXT: %log = log: ([i,[],j])->([i,[],j]) {i=4,j=8}{{$}}
  %log = log(%exp) : f32[4,1,8]
  // CHECK-NEXT: %sqrt = sqrt: ([i,[],j])->([i,[],j]) {i=4,j=8}{{$}}
  %sqrt = sqrt(%exp) : f32[4,1,8]
  // CHECK-NEXT: %rsqrt = rsqrt: ([i,[],j])->([i,[],j]) {i=4,j=8}{{$}}
  %rsqrt = rsqrt(%sqrt) : f32[4,1,8]
  // CHECK-NEXT: %lgs = logistic: ([i,[],j])->([i,[],j]) {i=4,j=8}{{$}}
  %lgs = logistic(%rsqrt) : f32[4,1,8]
  // CHECK-NEXT: %erf = erf: ([i,[],j])->([i,[],j]) {i=4,j=8}{{$}}
  %erf = erf(%lgs) : f32[4,1,8]
  // CHECK-NEXT: %gelu = gelu: ([i,[],j])->([i,[],j]) {i=4,j=8}{{$}}
  %gelu = gelu(%erf) : f32[4,1,8]
  // CHECK-NEXT: %sub = sub: ([i,[],j],[i,[],j])->([i,[],j]) {i=4,j=8}{{$}}
  %sub = sub(%gelu, %b) : f32[4,1,8]
  // CHECK-NEXT: %mul = mul: ([i,[],j],[i,[],j])->([i,[],j]) {i=4,j=8}{{$}}
  %mul = mul(%sub, %b) : f32[4,1,8]
  // CHECK-NEXT: %div = div: ([i,[],j],[i,[],j])->([i,[],j]) {i=4,j=8}{{$}}
  %div = div(%mul, %b) : f32[4,1,8]
  // CHECK-NEXT: %max = max: ([i,[],j],[i,[],j])->([i,[],j]) {i=4,j=8}{{$}}
  %max = max(%div, %b) : f32[4,1,8]
  // CHECK-NEXT: %min = min: ([i,[],j],[i,[],j])->([i,[],j]) {i=4,j=8}{{$}}
  %min = min(%max, %b) : f32[4,1,8]
  // CHECK-NEXT: %pow = pow: ([i,[],j],[i,[],j])->([i,[],j]) {i=4,j=8}{{$}}
  %pow = pow(%min, %log) : f32[4,1,8]
  // CHECK-NEXT: %not = not: ([i,[],j])->([i,[],j]) {i=4,j=8}{{$}}
  %not = not(%p) : i1[4,1,8]
  // CHECK-NEXT: %and = and: ([i,[],j],[i,[],j])->([i,[],j]) {i=4,j=8}{{$}}
  %and = and(%not, %q) : i1[4,1,8]
  // CHECK-NEXT: %or = or: ([i,[],j],[i,[],j])->([i,[],j]) {i=4,j=8}{{$}}
  %or = or(%and, %q) : i1[4,1,8]
  return %pow, %or
}
