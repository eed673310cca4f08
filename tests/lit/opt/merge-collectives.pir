// Chained all_reduces with one reduction, and chained all_gathers of one dimension, become
// one collective over the union of the axes (the inner gather's axes are the minor ones).
// Collectives with other uses, other reductions or other dimensions stay apart.
// RUN: partita-opt %s --pipeline=merge-collectives | FileCheck %s
// RUN: partita-run %s --simulate | FileCheck %s --check-prefix=SIM
// RUN: partita-opt %s --pipeline=merge-collectives | partita-run - --simulate | FileCheck %s --check-prefix=SIM
mesh @mesh = <["a"=2, "b"=2]>

// CHECK-LABEL: func @main
func @main(%x: f32[2,3] {global = f32[2,3], sharding = <@mesh, [{}, {}]>},
           %y: f32[1,3] {global = f32[4,3], sharding = <@mesh, [{"b", "a"}, {}]>})
    -> (f32[2,3] {global = f32[2,3], sharding = <@mesh, [{}, {}]>},
        f32[4,3] {global = f32[4,3], sharding = <@mesh, [{}, {}]>},
        f32[2,3] {global = f32[2,3], sharding = <@mesh, [{}, {}]>})
    attributes {partitioned = @mesh} {
  // CHECK: %s2 = all_reduce(%x) {axes = ["a", "b"], reduction = "sum"} : f32[2,3]
  %s1 = all_reduce(%x) {axes = ["a"], reduction = "sum"} : f32[2,3]
  %s2 = all_reduce(%s1) {axes = ["b"], reduction = "sum"} : f32[2,3]
  // CHECK: %g2 = all_gather(%y) {axes = ["b", "a"], dim = 0} : f32[4,3]
  %g1 = all_gather(%y) {axes = ["a"], dim = 0} : f32[2,3]
  %g2 = all_gather(%g1) {axes = ["b"], dim = 0} : f32[4,3]
  // CHECK: %m1 = all_reduce(%x) {axes = ["a"], reduction = "max"}
  // CHECK: %m2 = all_reduce(%m1) {axes = ["b"], reduction = "sum"}
  %m1 = all_reduce(%x) {axes = ["a"], reduction = "max"} : f32[2,3]
  %m2 = all_reduce(%m1) {axes = ["b"], reduction = "sum"} : f32[2,3]
  return %s2, %g2, %m2
}
// The merged program computes exactly what the chained one does.
// SIM: result0: f32[2,3] [3.96324, 1.97735, 3.68542, 2.96595, 2.0684, -2.75238] sum=11.908
// SIM: result1: f32[4,3] [-0.595611, 0.227821, 0.518043, -0.190058, -0.735123, -0.360637, ...] sum=-1.45364
// SIM: result2: f32[2,3] [1.98162, 0.988675, 1.84271, 1.48298, 1.0342, -1.37619] sum=5.95399
