// cse merges ops with equal opcode, operands, attributes, result type and sharding, and
// rewrites their uses (including `return`); anything that differs stays apart.
// RUN: partita-opt %s --pipeline=cse | FileCheck %s

mesh @m = <["a"=2]>

// CHECK-LABEL: func @main
// CHECK-NEXT: %a = exp(%x) : f32[4]
// CHECK-NEXT: %s = add(%a, %a) : f32[4]
// CHECK-NEXT: %c = constant() {value = 0.0{{0*}}} : f32[4]
// CHECK-NEXT: %cn = constant() {value = -0.0{{0*}}} : f32[4]
// CHECK-NEXT: %r1 = reduce_sum(%s) {dims = [0]} : f32[]
// CHECK-NEXT: %sh = exp(%x) {sharding = <@m, [{"a"}]>} : f32[4]
// CHECK-NEXT: %u = mul(%s, %c) : f32[4]
// CHECK-NEXT: %v = mul(%u, %cn) : f32[4]
// CHECK-NEXT: %w = add(%v, %sh) : f32[4]
// CHECK-NEXT: %i1 = iota() {dim = 0} : i32[4]
// CHECK-NEXT: %i2 = iota() {dim = 0} : f32[4]
// CHECK-NEXT: %q = convert(%i1) : f32[4]
// CHECK-NEXT: %z = add(%q, %i2) : f32[4]
// CHECK-NEXT: return %w, %s, %z, %r1
func @main(%x: f32[4]) -> (f32[4], f32[4], f32[4], f32[]) {
  %a = exp(%x) : f32[4]
  %b = exp(%x) : f32[4]
  %s = add(%a, %b) : f32[4]
  %t = add(%b, %a) : f32[4]
  %c = constant() {value = 0.0} : f32[4]
  %c2 = constant() {value = 0.0} : f32[4]
  %cn = constant() {value = -0.0} : f32[4]
  %r1 = reduce_sum(%s) {dims = [0]} : f32[]
  %r2 = reduce_sum(%t) {dims = [0]} : f32[]
  %sh = exp(%x) {sharding = <@m, [{"a"}]>} : f32[4]
  %u = mul(%t, %c2) : f32[4]
  %v = mul(%u, %cn) : f32[4]
  %w = add(%v, %sh) : f32[4]
  %i1 = iota() {dim = 0} : i32[4]
  %i2 = iota() {dim = 0} : f32[4]
  %q = convert(%i1) : f32[4]
  %z = add(%q, %i2) : f32[4]
  return %w, %t, %z, %r2
}
