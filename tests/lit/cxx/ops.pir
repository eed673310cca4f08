// Every partita::model function imported once (Inputs/ops.cpp), each op at its C++ call,
// then the imported module verified and run against the reference interpreter.
// RUN: partita-import-cxx %S/Inputs/ops.cpp --no-locs | FileCheck %s
// RUN: partita-import-cxx %S/Inputs/ops.cpp | FileCheck %s --check-prefix=LOC
// RUN: partita-import-cxx %S/Inputs/ops.cpp -o %t.pir
// RUN: partita-run %t.pir --simulate --check | FileCheck %s --check-prefix=EXEC
// CHECK: mesh @m = <["x"=2]>
// PARTITA_BOUND(4) on `ids` is its `bound` attribute.
// CHECK: func @main(%a: f32[4,6], %b: f32[4,6], %ids: i32[4] {bound = 4}) -> (f32[4,6], bf16[4,6], f32[4,8], f32[4,4], f32[4], f32[], f32[4,6], i32[4], f32[6,4], f32[4,5], f32[4,6], i32[4,6], f32[4,6], f32[], f32[4,6]) {
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
// The arithmetic functions take numbers on either side, like the operators.
// CHECK-NEXT: %nb = constant() {value = 1.0} : f32[4,6]
// CHECK-NEXT: %nb.1 = add(%a, %nb) : f32[4,6]
// CHECK-NEXT: %nb.2 = constant() {value = 2.0} : f32[4,6]
// CHECK-NEXT: %nb.3 = div(%nb.1, %nb.2) : f32[4,6]
// CHECK-NEXT: %nb.4 = constant() {value = 3.0} : f32[4,6]
// CHECK-NEXT: %nb.5 = mul(%nb.3, %nb.4) : f32[4,6]
// CHECK-NEXT: %nb.6 = constant() {value = 0.0} : f32[4,6]
// CHECK-NEXT: %nb.7 = max(%nb.5, %nb.6) : f32[4,6]
// CHECK-NEXT: %nb.8 = constant() {value = 1.0} : f32[4,6]
// CHECK-NEXT: %nb.9 = sub(%nb.8, %nb.7) : f32[4,6]
// CHECK-NEXT: %nb.10 = constant() {value = 2.0} : f32[4,6]
// CHECK-NEXT: %nb.11 = pow(%nb.10, %nb.9) : f32[4,6]
// CHECK-NEXT: %nb.12 = constant() {value = 5.0} : f32[4,6]
// CHECK-NEXT: %nb.13 = min(%nb.11, %nb.12) : f32[4,6]
// CHECK-NEXT: %v = constant() {value = 12.0} : f32[]
// CHECK-NEXT: return %sh, %c, %cat, %pd, %mx, %mn, %cs, %am, %oh, %oh2, %sa, %ke, %rs, %v, %nb.13
// EXEC: check: {{.*}} PASS
//
// Each op's loc(...) is its C++ call: nested calls at each function's name, operators at
// their token, a splatted number at the call it is an operand of, softmax's ops all at
// the softmax call; arguments at their names.
// LOC: func @main(%a: f32[4,6] loc("{{[^"]*}}ops.cpp":8:68), %b: f32[4,6] loc("{{[^"]*}}ops.cpp":8:89), %ids: i32[4] {bound = 4} loc("{{[^"]*}}ops.cpp":9:82)) -> (f32[4,6], bf16[4,6], f32[4,8], f32[4,4], f32[4], f32[], f32[4,6], i32[4], f32[6,4], f32[4,5], f32[4,6], i32[4,6], f32[4,6], f32[], f32[4,6]) {
// LOC-NEXT: %u = gelu({{.*}} loc("{{[^"]*}}ops.cpp":10:57)
// LOC-NEXT: %u.1 = rsqrt({{.*}} loc("{{[^"]*}}ops.cpp":10:51)
// LOC-NEXT: %u.2 = sqrt({{.*}} loc("{{[^"]*}}ops.cpp":10:46)
// LOC-NEXT: %u.3 = log({{.*}} loc("{{[^"]*}}ops.cpp":10:42)
// LOC-NEXT: %u.4 = exp({{.*}} loc("{{[^"]*}}ops.cpp":10:38)
// LOC-NEXT: %u.5 = neg({{.*}} loc("{{[^"]*}}ops.cpp":10:34)
// LOC-NEXT: %u.6 = abs({{.*}} loc("{{[^"]*}}ops.cpp":10:30)
// LOC-NEXT: %u.7 = erf({{.*}} loc("{{[^"]*}}ops.cpp":10:26)
// LOC-NEXT: %u.8 = logistic({{.*}} loc("{{[^"]*}}ops.cpp":10:17)
// LOC-NEXT: %u.9 = tanh({{.*}} loc("{{[^"]*}}ops.cpp":10:12)
// LOC-NEXT: %s = add({{.*}} loc("{{[^"]*}}ops.cpp":11:44)
// LOC-NEXT: %s.1 = sub({{.*}} loc("{{[^"]*}}ops.cpp":11:40)
// LOC-NEXT: %s.2 = mul({{.*}} loc("{{[^"]*}}ops.cpp":11:36)
// LOC-NEXT: %s.3 = div({{.*}} loc("{{[^"]*}}ops.cpp":11:32)
// LOC-NEXT: %s.4 = max({{.*}} loc("{{[^"]*}}ops.cpp":11:24)
// LOC-NEXT: %s.5 = min({{.*}} loc("{{[^"]*}}ops.cpp":11:16)
// LOC-NEXT: %s.6 = pow({{.*}} loc("{{[^"]*}}ops.cpp":11:12)
// LOC-NEXT: %o = add({{.*}} loc("{{[^"]*}}ops.cpp":12:14)
// LOC-NEXT: %o.1 = mul({{.*}} loc("{{[^"]*}}ops.cpp":12:22)
// LOC-NEXT: %o.2 = div({{.*}} loc("{{[^"]*}}ops.cpp":12:26)
// LOC-NEXT: %o.3 = sub({{.*}} loc("{{[^"]*}}ops.cpp":12:18)
// LOC-NEXT: %p = compare({{.*}} loc("{{[^"]*}}ops.cpp":13:35)
// LOC-NEXT: %p.1 = compare({{.*}} loc("{{[^"]*}}ops.cpp":13:58)
// LOC-NEXT: %p.2 = and({{.*}} loc("{{[^"]*}}ops.cpp":13:23)
// LOC-NEXT: %p.3 = compare({{.*}} loc("{{[^"]*}}ops.cpp":13:79)
// LOC-NEXT: %p.4 = not({{.*}} loc("{{[^"]*}}ops.cpp":13:65)
// LOC-NEXT: %p.5 = or({{.*}} loc("{{[^"]*}}ops.cpp":13:12)
// LOC-NEXT: %q = select({{.*}} loc("{{[^"]*}}ops.cpp":14:12)
// LOC-NEXT: %q2 = compare({{.*}} loc("{{[^"]*}}ops.cpp":15:22)
// LOC-NEXT: %q2.1 = neg({{.*}} loc("{{[^"]*}}ops.cpp":15:28)
// LOC-NEXT: %q2.2 = constant({{.*}} loc("{{[^"]*}}ops.cpp":15:36)
// LOC-NEXT: %q2.3 = mul({{.*}} loc("{{[^"]*}}ops.cpp":15:36)
// LOC-NEXT: %q2.4 = constant({{.*}} loc("{{[^"]*}}ops.cpp":15:40)
// LOC-NEXT: %q2.5 = add({{.*}} loc("{{[^"]*}}ops.cpp":15:40)
// LOC-NEXT: %q2.6 = select({{.*}} loc("{{[^"]*}}ops.cpp":15:13)
// LOC-NEXT: %c = convert({{.*}} loc("{{[^"]*}}ops.cpp":16:12)
// LOC-NEXT: %k = constant({{.*}} loc("{{[^"]*}}ops.cpp":17:12)
// LOC-NEXT: %io = iota({{.*}} loc("{{[^"]*}}ops.cpp":18:13)
// LOC-NEXT: %r = reduce_sum({{.*}} loc("{{[^"]*}}ops.cpp":19:29)
// LOC-NEXT: %r.1 = broadcast_in_dim({{.*}} loc("{{[^"]*}}ops.cpp":19:12)
// LOC-NEXT: %t = reshape({{.*}} loc("{{[^"]*}}ops.cpp":20:22)
// LOC-NEXT: %t.1 = transpose({{.*}} loc("{{[^"]*}}ops.cpp":20:12)
// LOC-NEXT: %sl = slice({{.*}} loc("{{[^"]*}}ops.cpp":21:13)
// LOC-NEXT: %sl2 = slice({{.*}} loc("{{[^"]*}}ops.cpp":22:14)
// LOC-NEXT: %cat = concatenate({{.*}} loc("{{[^"]*}}ops.cpp":23:14)
// LOC-NEXT: %pd = pad({{.*}} loc("{{[^"]*}}ops.cpp":24:13)
// LOC-NEXT: %e = einsum({{.*}} loc("{{[^"]*}}ops.cpp":25:12)
// LOC-NEXT: %mx = reduce_max({{.*}} loc("{{[^"]*}}ops.cpp":26:13)
// LOC-NEXT: %mn = reduce_min({{.*}} loc("{{[^"]*}}ops.cpp":27:13)
// LOC-NEXT: %cs = cumsum({{.*}} loc("{{[^"]*}}ops.cpp":28:13)
// LOC-NEXT: %am = argmax({{.*}} loc("{{[^"]*}}ops.cpp":29:13)
// LOC-NEXT: %oh = one_hot({{.*}} loc("{{[^"]*}}ops.cpp":30:13)
// LOC-NEXT: %oh2 = one_hot({{.*}} loc("{{[^"]*}}ops.cpp":31:14)
// LOC-NEXT: %tk = take({{.*}} loc("{{[^"]*}}ops.cpp":32:13)
// LOC-NEXT: %sa = scatter_add({{.*}} loc("{{[^"]*}}ops.cpp":33:13)
// LOC-NEXT: %sm = reduce_max({{.*}} loc("{{[^"]*}}ops.cpp":34:13)
// LOC-NEXT: %sm.1 = broadcast_in_dim({{.*}} loc("{{[^"]*}}ops.cpp":34:13)
// LOC-NEXT: %sm.2 = sub({{.*}} loc("{{[^"]*}}ops.cpp":34:13)
// LOC-NEXT: %sm.3 = exp({{.*}} loc("{{[^"]*}}ops.cpp":34:13)
// LOC-NEXT: %sm.4 = reduce_sum({{.*}} loc("{{[^"]*}}ops.cpp":34:13)
// LOC-NEXT: %sm.5 = broadcast_in_dim({{.*}} loc("{{[^"]*}}ops.cpp":34:13)
// LOC-NEXT: %sm.6 = div({{.*}} loc("{{[^"]*}}ops.cpp":34:13)
// LOC-NEXT: %sh = sharding_constraint({{.*}} loc("{{[^"]*}}ops.cpp":35:13)
// LOC-NEXT: %ke = add({{.*}} loc("{{[^"]*}}ops.cpp":36:13)
// LOC-NEXT: %rs = reshape({{.*}} loc("{{[^"]*}}ops.cpp":38:13)
// LOC-NEXT: %nb = constant({{.*}} loc("{{[^"]*}}ops.cpp":39:55)
// LOC-NEXT: %nb.1 = add({{.*}} loc("{{[^"]*}}ops.cpp":39:55)
// LOC-NEXT: %nb.2 = constant({{.*}} loc("{{[^"]*}}ops.cpp":39:51)
// LOC-NEXT: %nb.3 = div({{.*}} loc("{{[^"]*}}ops.cpp":39:51)
// LOC-NEXT: %nb.4 = constant({{.*}} loc("{{[^"]*}}ops.cpp":39:47)
// LOC-NEXT: %nb.5 = mul({{.*}} loc("{{[^"]*}}ops.cpp":39:47)
// LOC-NEXT: %nb.6 = constant({{.*}} loc("{{[^"]*}}ops.cpp":39:39)
// LOC-NEXT: %nb.7 = max({{.*}} loc("{{[^"]*}}ops.cpp":39:39)
// LOC-NEXT: %nb.8 = constant({{.*}} loc("{{[^"]*}}ops.cpp":39:30)
// LOC-NEXT: %nb.9 = sub({{.*}} loc("{{[^"]*}}ops.cpp":39:30)
// LOC-NEXT: %nb.10 = constant({{.*}} loc("{{[^"]*}}ops.cpp":39:21)
// LOC-NEXT: %nb.11 = pow({{.*}} loc("{{[^"]*}}ops.cpp":39:21)
// LOC-NEXT: %nb.12 = constant({{.*}} loc("{{[^"]*}}ops.cpp":39:13)
// LOC-NEXT: %nb.13 = min({{.*}} loc("{{[^"]*}}ops.cpp":39:13)
// LOC-NEXT: %v = constant({{.*}} loc("{{[^"]*}}ops.cpp":40:64)
// LOC-NEXT: return %sh, %c, %cat, %pd, %mx, %mn, %cs, %am, %oh, %oh2, %sa, %ke, %rs, %v, %nb.13

