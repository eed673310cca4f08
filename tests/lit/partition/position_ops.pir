// Ops whose values depend on global positions, with the position dimension split
// unevenly (7 over 2): iota adds the shard offset; one_hot shifts ids by it; a reverse
// exclusive cumsum adds the masked totals of the later shards; argmax combines the local
// winners with an all_reduce max and an all_reduce min of the indices.
// RUN: partita-opt %s --partition | FileCheck %s
// RUN: partita-run %s --simulate --check --seed 3 | FileCheck %s --check-prefix=SIM
mesh @mesh = <["m"=2]>

// CHECK-LABEL: func @main
func @main(%x: f32[3,7] {sharding = <@mesh, [{}, {"m"}]>},
           %ids: i32[3] {bound = 9, sharding = <@mesh, [{}]>})
    -> (f32[3,7] {sharding = <@mesh, [{}, {"m"}]>}, f32[3,7] {sharding = <@mesh, [{}, {"m"}]>},
        i32[3] {sharding = <@mesh, [{}]>}, f32[3,7] {sharding = <@mesh, [{}, {"m"}]>}) {
  // CHECK: iota() {dim = 1} : i32[3,4]
  // CHECK: add({{.*}}) : i32[3,4]
  // CHECK: convert({{.*}}) : f32[3,4]
  %io = iota() {dim = 1} : f32[3,7]
  %a = add(%x, %io) : f32[3,7]
  // CHECK: one_hot(%{{.*}}) {axis = 1, depth = 4} : f32[3,4]
  %oh = one_hot(%ids) {axis = 1, depth = 7} : f32[3,7]
  // CHECK: all_gather({{.*}}) {axes = ["m"], dim = 0} : f32[2,3]
  // CHECK: compare(%{{.*}}, %{{.*}}) {direction = "gt"}
  %c = cumsum(%a) {dim = 1, exclusive = true, reverse = true} : f32[3,7]
  // CHECK: all_reduce({{.*}}) {axes = ["m"], reduction = "max"} : f32[3]
  // CHECK: all_reduce({{.*}}) {axes = ["m"], reduction = "min"} : i32[3]
  // CHECK-NOT: all_gather
  %i = argmax(%a) {dim = 1} : i32[3]
  return %c, %oh, %i, %a
}
// SIM: check: {{.*}} PASS
