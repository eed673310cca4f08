// Every shape, data-movement and contraction op of the spec's first table with its
// attributes: canonical print, and printing twice gives the same text.
// RUN: partita-opt %s | FileCheck --match-full-lines %s
// RUN: partita-opt %s | partita-opt | FileCheck --match-full-lines %s

mesh @mesh = <["data"=2, "model"=2]>

func @main(%a: f32[4,6], %b: f32[6,8], %ids: i32[4] {bound = 6}) -> (f32[4,8], f32[8,4], f32[6,8]) {
  %c = constant() {value = [[1.0, 2.0], [3.0, 4.0]]} : f32[2,2]
  %s = constant() {value = 0.5} : f32[]
  %io = iota() {dim = 1} : i32[4,6]
  %bc = broadcast_in_dim(%s) {dims = []} : f32[4,6]
  %r = reshape(%a) : f32[2,12]
  %t = transpose(%a) {perm = [1, 0]} : f32[6,4]
  %sl = slice(%a) {start = [0, 1], limit = [4, 5]} : f32[4,4]
  %ss = slice(%a) {stride = [2, 3], limit = [4, 6], start = [0, 0]} : f32[2,2]
  %cat = concatenate(%a, %bc) {dim = 0} : f32[8,6]
  %pd = pad(%a) {low = [1, 0], high = [0, 2], value = 0.0} : f32[5,8]
  %e = einsum(%a, %b) {spec = "mk,kn->mn"} : f32[4,8]
  %rs = reduce_sum(%e) {dims = [1]} : f32[4]
  %rx = reduce_max(%e) {dims = [0, 1]} : f32[]
  %rn = reduce_min(%e) {dims = [0]} : f32[8]
  %cs = cumsum(%e) {dim = 1, exclusive = true, reverse = false} : f32[4,8]
  %am = argmax(%e) {dim = 1} : i32[4]
  %oh = one_hot(%ids) {depth = 6, axis = 0} : f32[6,4]
  %tk = take(%b, %ids) {axis = 0} : f32[4,8]
  %sa = scatter_add(%b, %ids, %tk) {axis = 0} : f32[6,8]
  %sc = sharding_constraint(%e) {sharding = <@mesh, [{"data"}, {"model"}]>} : f32[4,8]
  %tr = transpose(%sc) {perm = [1, 0]} : f32[8,4]
  return %sc, %tr, %sa
}

// CHECK: mesh @mesh = <["data"=2, "model"=2]>
// CHECK-EMPTY:
// CHECK-NEXT: func @main(%a: f32[4,6], %b: f32[6,8], %ids: i32[4] {bound = 6}) -> (f32[4,8], f32[8,4], f32[6,8]) {
// CHECK-NEXT:   %c = constant() {value = {{\[\[}}1.0, 2.0], [3.0, 4.0]]} : f32[2,2]
// CHECK-NEXT:   %s = constant() {value = 0.5} : f32[]
// CHECK-NEXT:   %io = iota() {dim = 1} : i32[4,6]
// CHECK-NEXT:   %bc = broadcast_in_dim(%s) {dims = []} : f32[4,6]
// CHECK-NEXT:   %r = reshape(%a) : f32[2,12]
// CHECK-NEXT:   %t = transpose(%a) {perm = [1, 0]} : f32[6,4]
// CHECK-NEXT:   %sl = slice(%a) {limit = [4, 5], start = [0, 1]} : f32[4,4]
// CHECK-NEXT:   %ss = slice(%a) {limit = [4, 6], start = [0, 0], stride = [2, 3]} : f32[2,2]
// CHECK-NEXT:   %cat = concatenate(%a, %bc) {dim = 0} : f32[8,6]
// CHECK-NEXT:   %pd = pad(%a) {high = [0, 2], low = [1, 0], value = 0.0} : f32[5,8]
// CHECK-NEXT:   %e = einsum(%a, %b) {spec = "mk,kn->mn"} : f32[4,8]
// CHECK-NEXT:   %rs = reduce_sum(%e) {dims = [1]} : f32[4]
// CHECK-NEXT:   %rx = reduce_max(%e) {dims = [0, 1]} : f32[]
// CHECK-NEXT:   %rn = reduce_min(%e) {dims = [0]} : f32[8]
// CHECK-NEXT:   %cs = cumsum(%e) {dim = 1, exclusive = true, reverse = false} : f32[4,8]
// CHECK-NEXT:   %am = argmax(%e) {dim = 1} : i32[4]
// CHECK-NEXT:   %oh = one_hot(%ids) {axis = 0, depth = 6} : f32[6,4]
// CHECK-NEXT:   %tk = take(%b, %ids) {axis = 0} : f32[4,8]
// CHECK-NEXT:   %sa = scatter_add(%b, %ids, %tk) {axis = 0} : f32[6,8]
// CHECK-NEXT:   %sc = sharding_constraint(%e) {sharding = <@mesh, [{"data"}, {"model"}]>} : f32[4,8]
// CHECK-NEXT:   %tr = transpose(%sc) {perm = [1, 0]} : f32[8,4]
// CHECK-NEXT:   return %sc, %tr, %sa
// CHECK-NEXT: }
