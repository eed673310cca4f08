// The per-device ops of the spec's second table in a partitioned function, with the
// function's `attributes {partitioned = @mesh}` and the `global` types of arguments and
// results: canonical print, and printing twice gives the same text.
// RUN: partita-opt %s | FileCheck --match-full-lines %s
// RUN: partita-opt %s | partita-opt | FileCheck --match-full-lines %s

mesh @mesh = <["data"=2, "model"=2]>

func @main(%x: f32[4,8] {global = f32[8,8], sharding = <@mesh, [{"data"}, {}]>},
           %u: f32[4,8] {sharding = <@mesh, [{"data"}, {}], unreduced={"model"}>, global = f32[8,8]})
    -> (f32[4,8] {sharding = <@mesh, [{"data"}, {}], replicated={"model"}>, global = f32[8,8]},
        f32[2,8] {global = f32[8,8], sharding = <@mesh, [{"data", "model"}, {}]>})
    attributes {partitioned = @mesh} {
  %ar = all_reduce(%u) {axes = ["model"], reduction = "sum"} : f32[4,8]
  %ag = all_gather(%x) {axes = ["data"], dim = 0} : f32[8,8]
  %rs = reduce_scatter(%ag) {axes = ["data", "model"], dim = 0, reduction = "max"} : f32[2,8]
  %aa = all_to_all(%x) {axes = ["model"], concat_dim = 0, split_dim = 1} : f32[8,4]
  %cp = collective_permute(%x) {axes = ["data"], shift = -1} : f32[4,8]
  %ix = axis_index() {axis = "model"} : i32[]
  %zero = constant() {value = 0} : i32[]
  %ds = dynamic_slice(%aa, %ix, %zero) {sizes = [4, 4]} : f32[4,4]
  %du = dynamic_update_slice(%cp, %ds, %zero, %ix) : f32[4,8]
  %sum = add(%du, %ar) : f32[4,8]
  return %sum, %rs
}

// CHECK: mesh @mesh = <["data"=2, "model"=2]>
// CHECK-EMPTY:
// CHECK-NEXT: func @main(%x: f32[4,8] {global = f32[8,8], sharding = <@mesh, [{"data"}, {}]>}, %u: f32[4,8] {global = f32[8,8], sharding = <@mesh, [{"data"}, {}], unreduced={"model"}>}) -> (f32[4,8] {global = f32[8,8], sharding = <@mesh, [{"data"}, {}], replicated={"model"}>}, f32[2,8] {global = f32[8,8], sharding = <@mesh, [{"data", "model"}, {}]>}) attributes {partitioned = @mesh} {
// CHECK-NEXT:   %ar = all_reduce(%u) {axes = ["model"], reduction = "sum"} : f32[4,8]
// CHECK-NEXT:   %ag = all_gather(%x) {axes = ["data"], dim = 0} : f32[8,8]
// CHECK-NEXT:   %rs = reduce_scatter(%ag) {axes = ["data", "model"], dim = 0, reduction = "max"} : f32[2,8]
// CHECK-NEXT:   %aa = all_to_all(%x) {axes = ["model"], concat_dim = 0, split_dim = 1} : f32[8,4]
// CHECK-NEXT:   %cp = collective_permute(%x) {axes = ["data"], shift = -1} : f32[4,8]
// CHECK-NEXT:   %ix = axis_index() {axis = "model"} : i32[]
// CHECK-NEXT:   %zero = constant() {value = 0} : i32[]
// CHECK-NEXT:   %ds = dynamic_slice(%aa, %ix, %zero) {sizes = [4, 4]} : f32[4,4]
// CHECK-NEXT:   %du = dynamic_update_slice(%cp, %ds, %zero, %ix) : f32[4,8]
// CHECK-NEXT:   %sum = add(%du, %ar) : f32[4,8]
// CHECK-NEXT:   return %sum, %rs
// CHECK-NEXT: }
