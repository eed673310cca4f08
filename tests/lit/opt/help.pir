// --help lists every registered pass and shows examples.
// RUN: partita-opt --help | FileCheck %s

// CHECK: usage: partita-opt
// CHECK: --partition
// CHECK: passes:
// CHECK: cse
// CHECK: dce
// CHECK: examples:
// CHECK: partita-opt model.pir --partition
