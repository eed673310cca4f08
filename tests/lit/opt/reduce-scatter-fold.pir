// merge-collectives turns an all_reduce whose only use is the dynamic_slice of this
// device's chunk of one dimension among the reduced axes (directly, or through single-use
// unary elementwise ops such as a convert) into a reduce_scatter where the all_reduce
// stood; the unary ops then act on the shard. An all_reduce with another use, a slice of
// another group's chunk or a slice of two dimensions stay as they are. The results are the
// same (simulated run of both programs).
// RUN: partita-opt %s --pipeline=merge-collectives | FileCheck %s
// RUN: partita-run %s --simulate > %t.before
// RUN: partita-opt %s --pipeline=merge-collectives,dce | partita-run - --simulate > %t.after
// RUN: diff %t.before %t.after
// RUN: FileCheck %s --check-prefix=SIM --input-file=%t.after
mesh @mesh = <["a"=2, "b"=2]>

// CHECK-LABEL: func @main
func @main(%x: bf16[8,4] {global = bf16[16,4], sharding = <@mesh, [{"a"}, {}]>},
           %y: f32[8,4] {global = f32[32,4], sharding = <@mesh, [{"a", "b"}, {}]>})
    -> (f32[4,4] {global = f32[8,4], sharding = <@mesh, [{"a"}, {}]>},
        f32[8,1] {global = f32[8,4], sharding = <@mesh, [{}, {"a", "b"}]>},
        f32[4,4] {global = f32[8,4], sharding = <@mesh, [{"b"}, {}]>},
        f32[8,4] {global = f32[8,4], sharding = <@mesh, [{}, {}]>},
        f32[4,4] {global = f32[8,4], sharding = <@mesh, [{"a"}, {}]>})
    attributes {partitioned = @mesh} {
  %zero = constant() {value = 0} : i32[]
  %four = constant() {value = 4} : i32[]
  %two = constant() {value = 2} : i32[]
  %ia = axis_index() {axis = "a"} : i32[]
  %ib = axis_index() {axis = "b"} : i32[]
  %offa = mul(%ia, %four) : i32[]
  %offb = mul(%ib, %four) : i32[]
  %iab.s = mul(%ia, %two) : i32[]
  %iab = add(%iab.s, %ib) : i32[]
  // CHECK: %r1 = reduce_scatter(%x) {axes = ["a"], dim = 0, reduction = "sum"} : bf16[4,4]
  // CHECK-NEXT: %c1 = convert(%r1) : f32[4,4]
  // CHECK-NEXT: %n1 = neg(%c1) : f32[4,4]
  %r1 = all_reduce(%x) {axes = ["a"], reduction = "sum"} : bf16[8,4]
  %c1 = convert(%r1) : f32[8,4]
  %n1 = neg(%c1) : f32[8,4]
  // CHECK: %r2 = reduce_scatter(%y) {axes = ["a", "b"], dim = 1, reduction = "sum"} : f32[8,1]
  %r2 = all_reduce(%y) {axes = ["a", "b"], reduction = "sum"} : f32[8,4]
  // Sliced by "b"'s index: not this group's chunk.
  // CHECK: %r3 = all_reduce(%y) {axes = ["a"], reduction = "max"} : f32[8,4]
  %r3 = all_reduce(%y) {axes = ["a"], reduction = "max"} : f32[8,4]
  // Another use.
  // CHECK: %r4 = all_reduce(%y) {axes = ["a"], reduction = "min"} : f32[8,4]
  %r4 = all_reduce(%y) {axes = ["a"], reduction = "min"} : f32[8,4]
  // CHECK-NOT: %s1 = dynamic_slice
  // CHECK-NOT: %s2 = dynamic_slice
  %s1 = dynamic_slice(%n1, %offa, %zero) {sizes = [4, 4]} : f32[4,4]
  %s2 = dynamic_slice(%r2, %zero, %iab) {sizes = [8, 1]} : f32[8,1]
  // CHECK: %s3 = dynamic_slice(%r3, %offb, %zero)
  // CHECK: %s4 = dynamic_slice(%r4, %offa, %zero)
  %s3 = dynamic_slice(%r3, %offb, %zero) {sizes = [4, 4]} : f32[4,4]
  %s4 = dynamic_slice(%r4, %offa, %zero) {sizes = [4, 4]} : f32[4,4]
  // CHECK: return %n1, %r2, %s3, %r4, %s4
  return %s1, %s2, %s3, %r4, %s4
}
// Every device contributes its own shard of %x and %y, so the sums differ from the inputs.
// SIM: result0: f32[8,4]
// SIM: result1: f32[8,4]
// SIM: result2: f32[8,4]
