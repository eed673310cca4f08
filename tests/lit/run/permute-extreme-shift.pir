// collective_permute shifts are taken modulo the group size before use, so shifts at the ends
// of int64 do not overflow (me - shift) in any executor. On 4 devices INT64_MAX = 3 (mod 4),
// i.e. device d receives from d + 1, and INT64_MIN = 0 (mod 4), the identity.
// RUN: partita-run %s --simulate | FileCheck %s
// RUN: partita-run %s --simulate --engine=interp | FileCheck %s
// CHECK: result0: f32[4] [1, 2, 3, 0] sum=6
// CHECK-NEXT: result1: f32[4] [0, 1, 2, 3] sum=6
mesh @m = <["a"=4]>

func @main() -> (f32[1] {global = f32[4], sharding = <@m, [{"a"}]>},
                 f32[1] {global = f32[4], sharding = <@m, [{"a"}]>})
    attributes {partitioned = @m} {
  %a = axis_index() {axis = "a"} : i32[]
  %af = convert(%a) : f32[]
  %v = broadcast_in_dim(%af) {dims = []} : f32[1]
  %up = collective_permute(%v) {axes = ["a"], shift = 9223372036854775807} : f32[1]
  %same = collective_permute(%v) {axes = ["a"], shift = -9223372036854775808} : f32[1]
  return %up, %same
}
