// Per-device ops have no sharding rule; --print-sharding-rules says why. An invalid
// program is reported, located, before any rule is printed.
// RUN: partita-opt %s --print-sharding-rules | FileCheck %s
// RUN: sed 's/dim = 0}/dim = 5}/' %s | not partita-opt - --print-sharding-rules 2>&1 | FileCheck %s --check-prefix=ERR
mesh @mesh = <["x"=2]>

func @main(%a: f32[4]) -> (f32[8], i32[]) attributes {partitioned = @mesh} {
  // CHECK: %r = all_reduce: no rule: 'all_reduce' is a per-device op; it cannot be partitioned again{{$}}
  %r = all_reduce(%a) {axes = ["x"], reduction = "sum"} : f32[4]
  // CHECK-NEXT: %g = all_gather: no rule: 'all_gather' is a per-device op; it cannot be partitioned again{{$}}
  %g = all_gather(%r) {axes = ["x"], dim = 0} : f32[8]
  // CHECK-NEXT: %ix = axis_index: no rule: 'axis_index' is a per-device op; it cannot be partitioned again{{$}}
  %ix = axis_index() {axis = "x"} : i32[]
  // CHECK-NEXT: %n = neg: ([i])->([i]) {i=8}{{$}}
  %n = neg(%g) : f32[8]
  // ERR: <stdin>:[[@LINE-5]]:{{[0-9]+}}: error: attribute 'dim' of 'all_gather' is 5, out of range
  // ERR-NOT: no rule
  return %n, %ix
}
