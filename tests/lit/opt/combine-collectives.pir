// Independent all_reduces of equal axes, reduction and dtype become one all_reduce of their
// flattened operands, concatenated; slices and reshapes give back each result under its
// own name, after the latest operand. Other reductions, other axes, an all_reduce whose
// operand is computed from a combined one's result, and one whose result is used before the
// group's last operand exists all stay out of the group.
// RUN: partita-opt %s --pipeline=combine-collectives | FileCheck %s
// RUN: partita-run %s --simulate | FileCheck %s --check-prefix=SIM
// RUN: partita-opt %s --pipeline=combine-collectives | partita-run - --simulate | FileCheck %s --check-prefix=SIM
// RUN: partita-opt %s --pipeline=combine-collectives --stats-json=- -o /dev/null | FileCheck %s --check-prefix=STATS
mesh @mesh = <["a"=2, "b"=2]>

// CHECK-LABEL: func @main
func @main(%x: f32[2,3] {global = f32[2,3], sharding = <@mesh, [{}, {}]>},
           %s: f32[] {global = f32[], sharding = <@mesh, []>})
    -> (f32[2,3] {global = f32[2,3], sharding = <@mesh, [{}, {}]>},
        f32[] {global = f32[], sharding = <@mesh, []>},
        f32[2,3] {global = f32[2,3], sharding = <@mesh, [{}, {}]>},
        f32[2,3] {global = f32[2,3], sharding = <@mesh, [{}, {}]>},
        f32[2,3] {global = f32[2,3], sharding = <@mesh, [{}, {}]>},
        f32[2,3] {global = f32[2,3], sharding = <@mesh, [{}, {}]>},
        f32[2,3] {global = f32[2,3], sharding = <@mesh, [{}, {}]>})
    attributes {partitioned = @mesh} {
  // %a, %b and %c: one all_reduce of 6 + 6 + 1 elements, after %e (the latest operand).
  // CHECK:      %e = exp(%x) : f32[2,3]
  // CHECK-NEXT: %[[XF:.*]] = reshape(%x) : f32[6]
  // CHECK-NEXT: %[[EF:.*]] = reshape(%e) : f32[6]
  // CHECK-NEXT: %[[SF:.*]] = reshape(%s) : f32[1]
  // CHECK-NEXT: %[[CAT:.*]] = concatenate(%[[XF]], %[[EF]], %[[SF]]) {dim = 0} : f32[13]
  // CHECK-NEXT: %[[AR:.*]] = all_reduce(%[[CAT]]) {axes = ["b"], reduction = "sum"} : f32[13]
  // CHECK-NEXT: %[[P0:.*]] = slice(%[[AR]]) {limit = [6], start = [0]} : f32[6]
  // CHECK-NEXT: %a = reshape(%[[P0]]) : f32[2,3]
  // CHECK-NEXT: %[[P1:.*]] = slice(%[[AR]]) {limit = [12], start = [6]} : f32[6]
  // CHECK-NEXT: %b = reshape(%[[P1]]) : f32[2,3]
  // CHECK-NEXT: %[[P2:.*]] = slice(%[[AR]]) {limit = [13], start = [12]} : f32[1]
  // CHECK-NEXT: %c = reshape(%[[P2]]) : f32[]
  %a = all_reduce(%x) {axes = ["b"], reduction = "sum"} : f32[2,3]
  %e = exp(%x) : f32[2,3]
  %b = all_reduce(%e) {axes = ["b"], reduction = "sum"} : f32[2,3]
  %c = all_reduce(%s) {axes = ["b"], reduction = "sum"} : f32[]
  // Another reduction and other axes: alone.
  // CHECK-NEXT: %m = all_reduce(%x) {axes = ["b"], reduction = "max"} : f32[2,3]
  // CHECK-NEXT: %d = all_reduce(%x) {axes = ["a"], reduction = "sum"} : f32[2,3]
  %m = all_reduce(%x) {axes = ["b"], reduction = "max"} : f32[2,3]
  %d = all_reduce(%x) {axes = ["a"], reduction = "sum"} : f32[2,3]
  // %u reduces a value computed from %a and %b: it starts a new group, which %v joins.
  // %w's operand comes after %t, a use of %u: it cannot join, and stays alone.
  // CHECK-NEXT: %t = add(%a, %b) : f32[2,3]
  // CHECK-NEXT: %n = neg(%x) : f32[2,3]
  // CHECK-NEXT: %[[TF:.*]] = reshape(%t) : f32[6]
  // CHECK-NEXT: %[[NF:.*]] = reshape(%n) : f32[6]
  // CHECK-NEXT: %[[CAT2:.*]] = concatenate(%[[TF]], %[[NF]]) {dim = 0} : f32[12]
  // CHECK-NEXT: all_reduce(%[[CAT2]]) {axes = ["b"], reduction = "sum"} : f32[12]
  // CHECK:      %v = reshape
  // CHECK-NEXT: %y = mul(%u, %x) : f32[2,3]
  // CHECK-NEXT: %z = tanh(%y) : f32[2,3]
  // CHECK-NEXT: %w = all_reduce(%z) {axes = ["b"], reduction = "sum"} : f32[2,3]
  %t = add(%a, %b) : f32[2,3]
  %u = all_reduce(%t) {axes = ["b"], reduction = "sum"} : f32[2,3]
  %n = neg(%x) : f32[2,3]
  %v = all_reduce(%n) {axes = ["b"], reduction = "sum"} : f32[2,3]
  %y = mul(%u, %x) : f32[2,3]
  %z = tanh(%y) : f32[2,3]
  %w = all_reduce(%z) {axes = ["b"], reduction = "sum"} : f32[2,3]
  %r = add(%w, %v) : f32[2,3]
  return %r, %c, %m, %d, %a, %b, %u
}
// The combined program computes exactly what the separate collectives do.
// SIM: result0: f32[2,3] [0.0183823, 1.01046, 0.157292, 0.517024, 0.965343, 2.31723] sum=4.98574
// SIM: result1: f32[] [-1.63698] sum=-1.63698
// SIM: result2: f32[2,3] [0.990809, 0.494337, 0.921354, 0.741488, 0.5171, -0.688095] sum=2.97699
// SIM: result3: f32[2,3] [1.98162, 0.988675, 1.84271, 1.48298, 1.0342, -1.37619] sum=5.95399
// SIM: result4: f32[2,3] [1.98162, 0.988675, 1.84271, 1.48298, 1.0342, -1.37619] sum=5.95399
// SIM: result5: f32[2,3] [5.38682, 3.27882, 5.02538, 4.19811, 3.35431, 1.00506] sum=22.2485
// SIM: result6: f32[2,3] [14.7369, 8.535, 13.7362, 11.3622, 8.77703, -0.742252] sum=56.405
// STATS: "collectives"
// STATS-NEXT: {"kind": "all_reduce", "axes": ["b"], "bytes": 52},
// STATS-NEXT: {"kind": "all_reduce", "axes": ["b"], "bytes": 24},
// STATS-NEXT: {"kind": "all_reduce", "axes": ["a"], "bytes": 24},
// STATS-NEXT: {"kind": "all_reduce", "axes": ["b"], "bytes": 48},
// STATS-NEXT: {"kind": "all_reduce", "axes": ["b"], "bytes": 24}
// STATS-NEXT: ],
