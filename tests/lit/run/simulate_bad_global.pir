// A partitioned @main whose argument or result local type is not the shard of its `global`
// type is a located error before anything runs (both engines), not a failure inside the
// simulator (found by tests/fuzz/FuzzSimulate.cpp).
// RUN: not partita-run %s --simulate 2>&1 | FileCheck %s
// RUN: not partita-run %s --simulate --engine=interp 2>&1 | FileCheck %s
// CHECK: simulate_bad_global.pir:[[@LINE+3]]:{{[0-9]+}}: error: result 0 is f32[2] on each device of mesh @m, but global type f32[2] sharded as <@m, [{"a"}]> gives f32[1] per device (is its `global` attribute right?)
// CHECK-NOT: error
mesh @m = <["a"=2]>
func @main() -> (f32[2] {globbl = f32[4], sharding = <@m, [{"a"}]>}) attributes {partitioned = @m} {
  %one = constant() {value = [1.0, 2.0]} : f32[2]
  return %one
}
