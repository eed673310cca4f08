// A hand-written per-device program on 2x2 devices, run with the simulator. Device d has
// coordinates (a, b) = (d / 2, d % 2) and builds v = [10a + b, 1] from axis_index, so every
// collective's result can be computed by hand:
//   all_reduce sum over b:  a=0: [0+1, 2] = [1, 2];  a=1: [10+11, 2] = [21, 2]
//   all_gather over a (dim 0), at b=1: [1, 1, 11, 1]
//   collective_permute over (a, b) by 1: device d receives device d-1's v: at d=0, [11, 1]
//   all_to_all over b (split dim 1, concat dim 0): member b gets element b of both members
// RUN: partita-run %s --simulate | FileCheck %s
// CHECK: result0: f32[4] [1, 2, 21, 2] sum=26
// CHECK-NEXT: result1: f32[2,4] [0, 1, 10, 1, 1, 1, ...] sum=26
// CHECK-NEXT: result2: f32[8] [11, 1, 0, 1, 1, 1, ...] sum=26
// CHECK-NEXT: result3: f32[4,2] [0, 1, 1, 1, 10, 11, ...] sum=26
// CHECK-NEXT: result4: f32[4] [0, 1, 10, 11] sum=22
// RUN: not partita-run %s 2>&1 | FileCheck %s --check-prefix=NOSIM
// NOSIM: error: this program needs 4 devices: run it under `mpirun -np 4` or with --simulate
// RUN: not partita-run %s --simulate --check 2>&1 | FileCheck %s --check-prefix=NOCHECK
// NOCHECK: error: --check needs the unpartitioned module
mesh @m = <["a"=2, "b"=2]>

func @main() -> (f32[2] {global = f32[4], sharding = <@m, [{"a"}]>},
                 f32[1,4] {global = f32[2,4], sharding = <@m, [{"b"}, {}]>},
                 f32[2] {global = f32[8], sharding = <@m, [{"a", "b"}]>},
                 f32[1,2] {global = f32[4,2], sharding = <@m, [{"a", "b"}, {}]>},
                 f32[1] {global = f32[4], sharding = <@m, [{"a", "b"}]>})
    attributes {partitioned = @m} {
  %a = axis_index() {axis = "a"} : i32[]
  %b = axis_index() {axis = "b"} : i32[]
  %ten = constant() {value = 10} : i32[]
  %a10 = mul(%a, %ten) : i32[]
  %ab = add(%a10, %b) : i32[]
  %abf = convert(%ab) : f32[]
  %x = broadcast_in_dim(%abf) {dims = []} : f32[1]
  %one = constant() {value = [1.0]} : f32[1]
  %v = concatenate(%x, %one) {dim = 0} : f32[2]
  %r0 = all_reduce(%v) {axes = ["b"], reduction = "sum"} : f32[2]
  %g = all_gather(%v) {axes = ["a"], dim = 0} : f32[4]
  %r1 = reshape(%g) : f32[1,4]
  %r2 = collective_permute(%v) {axes = ["a", "b"], shift = 1} : f32[2]
  %v2 = reshape(%v) : f32[1,2]
  %r3 = all_to_all(%v2) {axes = ["b"], concat_dim = 0, split_dim = 1} : f32[2,1]
  %r3t = reshape(%r3) : f32[1,2]
  %r4 = slice(%v) {limit = [1], start = [0]} : f32[1]
  return %r0, %r1, %r2, %r3t, %r4
}
