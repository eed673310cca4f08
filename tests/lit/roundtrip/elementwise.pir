// Every elementwise op of the spec's first table, written untidily (comments, line breaks,
// odd spacing): the printer gives the canonical text and printing it again changes nothing.
// RUN: partita-opt %s | FileCheck --match-full-lines %s
// RUN: partita-opt %s | partita-opt | FileCheck --match-full-lines %s

func @main(%x: f32[2,3],
           %y : f32[ 2, 3 ],   // spaces inside a type are not kept
           %p: i1[2,3]) -> (f32[2,3], i1[2,3], bf16[2,3], i32[2,3]) {
  %neg = neg(%x) : f32[2,3]
  %abs = abs( %neg ) : f32[2,3]
  %exp = exp(%abs) : f32[2,3]
  %log = log(%exp) : f32[2,3]
  %sqrt = sqrt(%exp) : f32[2,3]
  %rsqrt = rsqrt(%exp) : f32[2,3]
  %tanh = tanh(%log) : f32[2,3]
  %logistic = logistic(%tanh) : f32[2,3]
  %erf = erf(%logistic) : f32[2,3]
  %gelu = gelu(%erf) : f32[2,3]
  %add = add(%gelu,%y) : f32[2,3]
  %sub = sub(%add, %sqrt) : f32[2,3]
  %mul = mul(%sub, %rsqrt) : f32[2,3]
  %div = div(%mul, %exp) : f32[2,3]
  %max = max(%div, %x) : f32[2,3]
  %min = min(%max, %y) : f32[2,3]
  %pow = pow(%exp, %min) : f32[2,3]
  %cmp = compare(%pow, %x) {direction="lt"} : i1[2,3]
  %and = and(%cmp, %p) : i1[2,3]
  %or = or(%and, %p) : i1[2,3]
  %not = not(%or) : i1[2,3]
  %sel = select(%not, %pow, %y) : f32[2,3]
  %bf = convert(%sel) : bf16[2,3]
  %int = convert(%sel) : i32[2,3]
  return %sel,%not, %bf, %int
}

// CHECK: func @main(%x: f32[2,3], %y: f32[2,3], %p: i1[2,3]) -> (f32[2,3], i1[2,3], bf16[2,3], i32[2,3]) {
// CHECK-NEXT:   %neg = neg(%x) : f32[2,3]
// CHECK-NEXT:   %abs = abs(%neg) : f32[2,3]
// CHECK-NEXT:   %exp = exp(%abs) : f32[2,3]
// CHECK-NEXT:   %log = log(%exp) : f32[2,3]
// CHECK-NEXT:   %sqrt = sqrt(%exp) : f32[2,3]
// CHECK-NEXT:   %rsqrt = rsqrt(%exp) : f32[2,3]
// CHECK-NEXT:   %tanh = tanh(%log) : f32[2,3]
// CHECK-NEXT:   %logistic = logistic(%tanh) : f32[2,3]
// CHECK-NEXT:   %erf = erf(%logistic) : f32[2,3]
// CHECK-NEXT:   %gelu = gelu(%erf) : f32[2,3]
// CHECK-NEXT:   %add = add(%gelu, %y) : f32[2,3]
// CHECK-NEXT:   %sub = sub(%add, %sqrt) : f32[2,3]
// CHECK-NEXT:   %mul = mul(%sub, %rsqrt) : f32[2,3]
// CHECK-NEXT:   %div = div(%mul, %exp) : f32[2,3]
// CHECK-NEXT:   %max = max(%div, %x) : f32[2,3]
// CHECK-NEXT:   %min = min(%max, %y) : f32[2,3]
// CHECK-NEXT:   %pow = pow(%exp, %min) : f32[2,3]
// CHECK-NEXT:   %cmp = compare(%pow, %x) {direction = "lt"} : i1[2,3]
// CHECK-NEXT:   %and = and(%cmp, %p) : i1[2,3]
// CHECK-NEXT:   %or = or(%and, %p) : i1[2,3]
// CHECK-NEXT:   %not = not(%or) : i1[2,3]
// CHECK-NEXT:   %sel = select(%not, %pow, %y) : f32[2,3]
// CHECK-NEXT:   %bf = convert(%sel) : bf16[2,3]
// CHECK-NEXT:   %int = convert(%sel) : i32[2,3]
// CHECK-NEXT:   return %sel, %not, %bf, %int
// CHECK-NEXT: }
