// Errors that concern the whole module are located too: a module without @main at its
// first line, --check on an already partitioned @main at the function.
// RUN: echo 'mesh @m = <["x"=2]>' | not partita-run - 2>&1 | FileCheck %s --check-prefix=NOMAIN
// NOMAIN: <stdin>:1:1: error: the module has no @main function
// RUN: not partita-run %S/Inputs/no_main.pir.in 2>&1 | FileCheck %s --check-prefix=NOMAIN-FILE
// NOMAIN-FILE: no_main.pir.in:1:1: error: the module has no @main function
// RUN: not partita-run %s --check --simulate 2>&1 | FileCheck %s --check-prefix=CHECK-PART
// CHECK-PART: located_errors.pir:[[# @LINE + 3]]:1: error: --check needs the unpartitioned module
mesh @m = <["x"=2]>

func @main(%a: f32[2] {global = f32[4], sharding = <@m, [{"x"}]>})
    -> (f32[2] {global = f32[4], sharding = <@m, [{"x"}]>})
    attributes {partitioned = @m} {
  %b = neg(%a) : f32[2]
  return %b
}
