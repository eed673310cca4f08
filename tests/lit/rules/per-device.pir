// Per-device ops have no sharding rule; --print-sharding-rules says why. `await` passes its
// started collective's value through, elementwise. An invalid program is reported,
// located, before any rule is printed.
// RUN: partita-opt %s --print-sharding-rules | FileCheck %s
// RUN: sed 's/dim = 0}/dim = 5}/' %s | not partita-opt - --print-sharding-rules 2>&1 | FileCheck %s --check-prefix=ERR
mesh @mesh = <["x"=2]>

func @main(%a: f32[4]) -> (f32[8], i32[], f32[2], f32[4], f32[4], f32[4]) attributes {partitioned = @mesh} {
  // CHECK: %r = all_reduce: no rule: 'all_reduce' is a per-device op; it cannot be partitioned again{{$}}
  %r = all_reduce(%a) {axes = ["x"], reduction = "sum"} : f32[4]
  // CHECK-NEXT: %g = all_gather: no rule: 'all_gather' is a per-device op; it cannot be partitioned again{{$}}
  %g = all_gather(%r) {axes = ["x"], dim = 0} : f32[8]
  // ERR: <stdin>:[[@LINE-1]]:{{[0-9]+}}: error: attribute 'dim' of 'all_gather' is 5, out of range
  // ERR-NOT: no rule
  // CHECK-NEXT: %rs = reduce_scatter: no rule: 'reduce_scatter' is a per-device op; it cannot be partitioned again{{$}}
  %rs = reduce_scatter(%a) {axes = ["x"], dim = 0, reduction = "sum"} : f32[2]
  // CHECK-NEXT: %aa = all_to_all: no rule: 'all_to_all' is a per-device op; it cannot be partitioned again{{$}}
  %aa = all_to_all(%a) {axes = ["x"], concat_dim = 0, split_dim = 0} : f32[4]
  // CHECK-NEXT: %cp = collective_permute: no rule: 'collective_permute' is a per-device op; it cannot be partitioned again{{$}}
  %cp = collective_permute(%a) {axes = ["x"], shift = 1} : f32[4]
  // CHECK-NEXT: %st = all_reduce: no rule: 'all_reduce' is a per-device op; it cannot be partitioned again{{$}}
  %st = all_reduce(%a) {async = true, axes = ["x"], reduction = "max"} : f32[4]
  // CHECK-NEXT: %w = await: ([i])->([i]) {i=4}{{$}}
  %w = await(%st) : f32[4]
  // CHECK-NEXT: %ix = axis_index: no rule: 'axis_index' is a per-device op; it cannot be partitioned again{{$}}
  %ix = axis_index() {axis = "x"} : i32[]
  return %g, %ix, %rs, %aa, %cp, %w
}
