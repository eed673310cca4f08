// `partita-glam --moe-layer` builds one MoE layer alone (x[G,S,M] -> y, aux loss, combine):
// on the 2x2 mesh its dispatch and combine are all_to_alls over "data", and it matches the
// reference. A dense config has no MoE layer to build.
// RUN: partita-glam --config 1.7B/64E --moe-layer --d-model 16 --ffn 32 --experts 4 --batch 4 --seq 8 --mesh data=2,model=2 -o %t.pir
// RUN: FileCheck %s --check-prefix=LAYER --input-file=%t.pir
// RUN: partita-opt --partition %t.pir | FileCheck %s
// RUN: partita-run %t.pir --simulate --check | FileCheck %s --check-prefix=SIM
// RUN: not partita-glam --config 1.7B --moe-layer 2>&1 | FileCheck %s --check-prefix=DENSE

// LAYER: func @main(%x: f32[4,8,16]
// LAYER-SAME: %moe.gate: f32[16,4]
// LAYER-NOT: %embed

// CHECK: all_to_all({{.*}}) {axes = ["data"]
// CHECK: all_to_all({{.*}}) {axes = ["data"]

// SIM: check: {{.*}} PASS

// DENSE: partita-glam: error: --moe-layer needs experts
