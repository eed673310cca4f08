// partita-run --function NAME runs another function of the module than @main: every
// function is partitioned with its own annotations, the named one is run (simulated and
// checked against its unpartitioned form) and its results printed; an unknown name is an
// error at the module's first line.
// RUN: partita-run %s --function scale --simulate --check --seed 2 | FileCheck %s --check-prefixes=SCALE,PASS
// RUN: partita-run %s --function=scale --simulate --engine=interp | FileCheck %s --check-prefix=SCALE
// RUN: partita-run %s --simulate | FileCheck %s --check-prefix=MAIN
// RUN: not partita-run %s --function nope 2>&1 | FileCheck %s --check-prefix=NOPE
// SCALE: result0: f32[4,6]
// SCALE-NOT: result1
// PASS: check: {{.*}} PASS
// MAIN: result0: f32[4]
// NOPE: function.pir:1:1: error: the module has no @nope function
mesh @m = <["x"=2]>

func @scale(%a: f32[4,6] {sharding = <@m, [{"x"}, {}]>}, %s: f32[6]) -> (f32[4,6]) {
  %b = broadcast_in_dim(%s) {dims = [1]} : f32[4,6]
  %y = mul(%a, %b) : f32[4,6]
  return %y
}

func @main(%a: f32[4,6] {sharding = <@m, [{}, {"x"}]>}) -> (f32[4]) {
  %r = reduce_sum(%a) {dims = [1]} : f32[4]
  return %r
}
