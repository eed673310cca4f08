// Collectives in generated code: each is one partita_rt_collective call on a private constant
// descriptor (CollectivePlan::encode), with no other collective entry point. The expected
// descriptor is worked out by hand: all_gather of f32[4,6] (96 bytes) along dimension 1 over
// b (mesh axis 1, 3 devices) gathers 96 bytes per member into 288 bytes of scratch (padded
// to 320) and swaps [3][4] blocks of 24 bytes into [4][3]; pre is a copy (1, 1, 0). The
// values themselves are checked against the simulator in JitPartitioned.* (unit tests).
// RUN: partita-run %s --simulate --no-cache --emit-llvm %t.ll | FileCheck %s
// RUN: FileCheck %s --check-prefix=IR < %t.ll
// CHECK: result0: f32[4,18]
// IR: @collective.desc = private constant [21 x i64] [i64 5783553535588237312, i64 1, i64 0, i64 0, i64 3, i64 96, i64 288, i64 0, i64 96, i64 0, i64 1, i64 1, i64 0, i64 3, i64 4, i64 24, i64 0, i64 0, i64 320, i64 1, i64 1]
// IR-NOT: partita_rt_all_
// IR-NOT: partita_kernel_swap01
// IR: call void @partita_rt_collective(ptr {{.*}}, ptr {{.*}}@collective.desc, ptr
// IR-NOT: partita_rt_all_
// IR-NOT: partita_kernel_swap01
mesh @m = <["a"=2, "b"=3]>
func @main(%x: f32[4,6]) -> (f32[4,18]) attributes {partitioned = @m} {
  %g = all_gather(%x) {axes = ["b"], dim = 1} : f32[4,18]
  return %g
}
