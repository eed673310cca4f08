// Generated inputs depend only on the seed, the argument name and the element index: an
// explicit --seed 0 equals the default, saved inputs read back give the same results
// under another seed, and a different seed gives different inputs.
// RUN: rm -rf %t && mkdir -p %t
// RUN: partita-run %s > %t/default.txt
// RUN: partita-run %s --seed 0 > %t/seed0.txt
// RUN: diff %t/default.txt %t/seed0.txt
// RUN: partita-run %s --seed 5 --outputs %t/out --save-inputs
// RUN: partita-run %s --seed 5 > %t/seed5.txt
// RUN: partita-run %s --seed 99 --inputs %t/out > %t/from_files.txt
// RUN: diff %t/seed5.txt %t/from_files.txt
// RUN: not diff %t/seed0.txt %t/seed5.txt
// Saved inputs hold the generator's ranges: ids in [0, 3) and a boolean mask.
// RUN: partita-run %S/Inputs/ranges.pir.in --inputs %t/out | FileCheck %s
// CHECK: result0: i1[] [1] sum=1
func @main(%x: f32[4,3], %ids: i32[6] {bound = 3}, %mask: i1[6]) -> (f32[4,3], i32[6], i1[6]) {
  %y = tanh(%x) : f32[4,3]
  %one = constant() {value = 1} : i32[6]
  %z = add(%ids, %one) : i32[6]
  %n = not(%mask) : i1[6]
  return %y, %z, %n
}
