// Inputs read from .npy files: the array written by Inputs/vector.pir.in is split unevenly
// over two devices (3 + 2 elements, one padding cell) by a hand-written per-device program.
// Each device squares its shard; an all_gather and a slice drop the padding.
// RUN: rm -rf %t && mkdir -p %t
// RUN: partita-run %S/Inputs/vector.pir.in --outputs %t
// RUN: partita-run %s --simulate --inputs %t | FileCheck %s
// CHECK: result0: f32[5] [1, 4, 9, 16, 25] sum=55
// CHECK-NEXT: result1: f32[5] [1, 4, 9, 16, 25] sum=55
// A file whose shape does not match the argument is an error naming file and types.
// RUN: not partita-run %S/Inputs/wrong_shape.pir.in --inputs %t 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: result0.npy: error: holds a '<f4' array of shape (5,) (f32[5]), expected f32[4] for argument %result0
// An input file is never overwritten by an output.
// RUN: not partita-run %s --simulate --inputs %t --outputs %t 2>&1 | FileCheck %s --check-prefix=OVERWRITE
// OVERWRITE: result0.npy: error: refusing to overwrite an input file
// RUN: not partita-run %s --simulate --inputs %t/missing 2>&1 | FileCheck %s --check-prefix=NODIR
// NODIR: missing: error: --inputs needs a directory
// RUN: not partita-run %t/missing.pir 2>&1 | FileCheck %s --check-prefix=NOFILE
// NOFILE: missing.pir: error: cannot open the input file
mesh @m = <["x"=2]>

func @main(%result0: f32[3] {global = f32[5], sharding = <@m, [{"x"}]>})
    -> (f32[3] {global = f32[5], sharding = <@m, [{"x"}]>},
        f32[5] {global = f32[5], sharding = <@m, [{}]>})
    attributes {partitioned = @m} {
  %sq = mul(%result0, %result0) : f32[3]
  %all = all_gather(%sq) {axes = ["x"], dim = 0} : f32[6]
  %whole = slice(%all) {limit = [5], start = [0]} : f32[5]
  return %sq, %whole
}
