// dynamic_slice and dynamic_update_slice in unpartitioned programs (the KV cache of
// docs/inference.md): dimensions covered whole stay split and the op runs on local types
// with the global offsets; a dynamic offset on a split dimension makes the operand
// gathered first. Uneven batch (3 on x=2). Every seed is another position, clamped ones
// included (seeds 1 and 2 ask a window of 5 at positions 5 and 6 of 8), checked against
// the reference.
// RUN: partita-opt --partition %s | FileCheck %s
// RUN: partita-run %s --simulate --check --seed 0 | FileCheck %s --check-prefix=SIM
// RUN: partita-run %s --simulate --check --seed 1 | FileCheck %s --check-prefix=SIM
// RUN: partita-run %s --simulate --check --seed 2 | FileCheck %s --check-prefix=SIM
// RUN: partita-run %s --simulate --check --seed 3 | FileCheck %s --check-prefix=SIM
// RUN: partita-run %s --simulate --check --seed 4 --engine=interp | FileCheck %s --check-prefix=SIM

// CHECK: %new = dynamic_update_slice(%cache, %upd, %zero, %pos, %zero) : f32[2,8,3]
// CHECK-NEXT: %win = dynamic_slice(%new, %zero, %pos, %zero) {sizes = [2, 2, 3]} : f32[2,2,3]
// CHECK-NEXT: %split.ag = all_gather(%split) {axes = ["x"], dim = 1} : f32[4,8]
// CHECK-NEXT: %w2 = dynamic_update_slice(%split.ag, %row, %zero, %pos) : f32[4,8]
// CHECK-NEXT: %s2 = dynamic_slice(%split.ag, %zero, %pos) {sizes = [4, 5]} : f32[4,5]
// SIM: check: {{.*}} PASS

mesh @mesh = <["x"=2, "y"=2]>

func @main(%cache: f32[3,8,6] {sharding = <@mesh, [{"x"}, {}, {"y"}]>},
           %upd: f32[3,1,6] {sharding = <@mesh, [{"x"}, {}, {"y"}]>},
           %pos: i32[] {bound = 8},
           %split: f32[4,8] {sharding = <@mesh, [{}, {"x"}]>},
           %row: f32[4,3] {sharding = <@mesh, [{}, {}]>})
    -> (f32[3,8,6] {sharding = <@mesh, [{"x"}, {}, {"y"}]>}, f32[3,2,6], f32[4,8], f32[4,5]) {
  %zero = constant() {value = 0} : i32[]
  %new = dynamic_update_slice(%cache, %upd, %zero, %pos, %zero) : f32[3,8,6]
  %win = dynamic_slice(%new, %zero, %pos, %zero) {sizes = [3, 2, 6]} : f32[3,2,6]
  %w2 = dynamic_update_slice(%split, %row, %zero, %pos) : f32[4,8]
  %s2 = dynamic_slice(%split, %zero, %pos) {sizes = [4, 5]} : f32[4,5]
  return %new, %win, %w2, %s2
}
