// Every partita::model function imported once (Inputs/ops.cpp), each op at its C++ call,
// then the imported module verified and run against the reference interpreter.
// RUN: partita-import-cxx %S/Inputs/ops.cpp | FileCheck %s
// RUN: partita-import-cxx %S/Inputs/ops.cpp -o %t.pir
// RUN: partita-run %t.pir --simulate --check | FileCheck %s --check-prefix=EXEC
// CHECK: mesh @m = <["x"=2]>
// CHECK: func @main(%a: f32[4,6], %b: f32[4,6], %ids: i32[4]) -> (f32[4,6], bf16[4,6], f32[4,8], f32[4,4], f32[4], f32[], f32[4,6], i32[4], f32[6,4], f32[4,5], f32[4,6], i32[4,6], f32[4,6], f32[]) {
// CHECK-NEXT: %u = gelu(%a) : f32[4,6]
// CHECK-NEXT: %u.1 = rsqrt(%u)
// CHECK-NEXT: %u.2 = sqrt(%u.1)
// CHECK-NEXT: %u.3 = log(%u.2)
// CHECK-NEXT: %u.4 = exp(%u.3)
// CHECK-NEXT: %u.5 = neg(%u.4)
// CHECK-NEXT: %u.6 = abs(%u.5)
// CHECK-NEXT: %u.7 = erf(%u.6)
// CHECK-NEXT: %u.8 = logistic(%u.7)
// CHECK-NEXT: %u.9 = tanh(%u.8)
// CHECK-NEXT: %s = add(%u.9, %b)
// CHECK-NEXT: %s.1 = sub(%s, %b)
// CHECK-NEXT: %s.2 = mul(%s.1, %b)
// CHECK-NEXT: %s.3 = div(%s.2, %b)
// CHECK-NEXT: %s.4 = max(%s.3, %b)
// CHECK-NEXT: %s.5 = min(%s.4, %b)
// CHECK-NEXT: %s.6 = pow(%s.5, %b)
// Operators follow C++ precedence: u + b - ((a * b) / b).
// CHECK-NEXT: %o = add(%u.9, %b)
// CHECK-NEXT: %o.1 = mul(%a, %b)
// CHECK-NEXT: %o.2 = div(%o.1, %b)
// CHECK-NEXT: %o.3 = sub(%o, %o.2)
// CHECK-NEXT: %p = compare(%a, %b) {direction = "lt"} : i1[4,6]
// CHECK-NEXT: %p.1 = compare(%a, %b) {direction = "le"} : i1[4,6]
// CHECK-NEXT: %p.2 = and(%p, %p.1)
// CHECK-NEXT: %p.3 = compare(%a, %b) {direction = "gt"}
// CHECK-NEXT: %p.4 = not(%p.3)
// CHECK-NEXT: %p.5 = or(%p.2, %p.4)
// CHECK-NEXT: %q = select(%p.5, %s.6, %o.3) : f32[4,6]
// Numbers next to tensors become splat constants of the tensor's type.
// CHECK-NEXT: %q2 = compare(%a, %b) {direction = "ge"}
// CHECK-NEXT: %q2.1 = neg(%q)
// CHECK-NEXT: %q2.2 = constant() {value = 2.0} : f32[4,6]
// CHECK-NEXT: %q2.3 = mul(%q2.2, %q)
// CHECK-NEXT: %q2.4 = constant() {value = 1.0} : f32[4,6]
// CHECK-NEXT: %q2.5 = add(%q2.3, %q2.4)
// CHECK-NEXT: %q2.6 = select(%q2, %q2.1, %q2.5)
// CHECK-NEXT: %c = convert(%q2.6) : bf16[4,6]
// CHECK-NEXT: %k = constant() {value = 3} : i32[4,6]
// CHECK-NEXT: %io = iota() {dim = 1} : i32[4,6]
// CHECK-NEXT: %r = reduce_sum(%q2.6) {dims = [1]} : f32[4]
// CHECK-NEXT: %r.1 = broadcast_in_dim(%r) {dims = [0]} : f32[4,6]
// CHECK-NEXT: %t = reshape(%r.1) : f32[6,4]
// CHECK-NEXT: %t.1 = transpose(%t) {perm = [1, 0]} : f32[4,6]
// CHECK-NEXT: %sl = slice(%t.1) {limit = [4, 5], start = [0, 1]} : f32[4,4]
// CHECK-NEXT: %sl2 = slice(%t.1) {limit = [4, 6], start = [0, 0], stride = [2, 3]} : f32[2,2]
// CHECK-NEXT: %cat = concatenate(%sl, %sl) {dim = 1} : f32[4,8]
// CHECK-NEXT: %pd = pad(%sl2) {high = [1, 2], low = [1, 0], value = 0.5} : f32[4,4]
// CHECK-NEXT: %e = einsum(%a, %b) {spec = "ij,kj->ik"} : f32[4,4]
// CHECK-NEXT: %mx = reduce_max(%e) {dims = [0]} : f32[4]
// CHECK-NEXT: %mn = reduce_min(%e) {dims = [0, 1]} : f32[]
// CHECK-NEXT: %cs = cumsum(%a) {dim = 1, exclusive = true, reverse = true} : f32[4,6]
// CHECK-NEXT: %am = argmax(%a) {dim = 1} : i32[4]
// CHECK-NEXT: %oh = one_hot(%ids) {axis = 0, depth = 6} : f32[6,4]
// CHECK-NEXT: %oh2 = one_hot(%ids) {depth = 5} : f32[4,5]
// CHECK-NEXT: %tk = take(%a, %ids) {axis = 0} : f32[4,6]
// CHECK-NEXT: %sa = scatter_add(%a, %ids, %tk) {axis = 0} : f32[4,6]
// softmax expands into primitives.
// CHECK-NEXT: %sm = reduce_max(%a) {dims = [1]} : f32[4]
// CHECK-NEXT: %sm.1 = broadcast_in_dim(%sm) {dims = [0]} : f32[4,6]
// CHECK-NEXT: %sm.2 = sub(%a, %sm.1)
// CHECK-NEXT: %sm.3 = exp(%sm.2)
// CHECK-NEXT: %sm.4 = reduce_sum(%sm.3) {dims = [1]} : f32[4]
// CHECK-NEXT: %sm.5 = broadcast_in_dim(%sm.4) {dims = [0]} : f32[4,6]
// CHECK-NEXT: %sm.6 = div(%sm.3, %sm.5)
// CHECK-NEXT: %sh = sharding_constraint(%sm.6) {sharding = <@m, [{"x"}, {}]>} : f32[4,6]
// CHECK-NEXT: %ke = add(%k, %io) : i32[4,6]
// shape(b) gives the static shape; rank(a) * dim(a, 1) = 2 * 6.
// CHECK-NEXT: %rs = reshape(%a) : f32[4,6]
// CHECK-NEXT: %v = constant() {value = 12.0} : f32[]
// CHECK-NEXT: return %sh, %c, %cat, %pd, %mx, %mn, %cs, %am, %oh, %oh2, %sa, %ke, %rs, %v
// EXEC: check: {{.*}} PASS
