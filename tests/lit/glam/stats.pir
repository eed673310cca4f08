// --stats-json counts on the built module: every preset finishes at once and prints its
// figures (stdout gets only the JSON). The tiny model's figures are the hand-computed ones
// of tests/unit/GlamTest.cpp; the presets' are those of the table in docs/glam.md.
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 8 --ffn 16 --heads 2 --head-dim 4 --experts 4 --vocab 32 --batch 2 --seq 8 --stats-json=- | FileCheck %s --check-prefix=TINY
// RUN: partita-glam --config 64B/64E --stats-json=- | FileCheck %s --check-prefix=BIG
// RUN: partita-glam --config 137B --stats-json=- | FileCheck %s --check-prefix=DENSE
// RUN: partita-glam --config 1.7B/64E --stats-json=- | FileCheck %s --check-prefix=MID
// RUN: partita-glam --config 0.1B --stats-json=- | FileCheck %s --check-prefix=ALL
// RUN: partita-glam --config 0.1B/64E --stats-json=- | FileCheck %s --check-prefix=ALL
// RUN: partita-glam --config 1.7B --stats-json=- | FileCheck %s --check-prefix=ALL
// RUN: partita-glam --config 1.7B/32E --stats-json=- | FileCheck %s --check-prefix=ALL
// RUN: partita-glam --config 1.7B/128E --stats-json=- | FileCheck %s --check-prefix=ALL
// RUN: partita-glam --config 1.7B/256E --stats-json=- | FileCheck %s --check-prefix=ALL
// RUN: partita-glam --config 8B --stats-json=- | FileCheck %s --check-prefix=ALL
// RUN: partita-glam --config 8B/64E --stats-json=- | FileCheck %s --check-prefix=ALL
// A file for the JSON and -o for the module; with -o - both go to stdout, module first.
// RUN: partita-glam --config 0.1B --layers 1 --d-model 8 --ffn 16 --heads 2 --head-dim 4 --vocab 32 --batch 2 --seq 4 --stats-json=%t.json -o %t.pir
// RUN: FileCheck %s --check-prefix=ALL < %t.json
// RUN: partita-opt %t.pir > /dev/null
// RUN: partita-glam --config 0.1B --layers 1 --d-model 8 --ffn 16 --heads 2 --head-dim 4 --vocab 32 --batch 2 --seq 4 --stats-json=- -o - | FileCheck %s --check-prefix=BOTH

// TINY: "moe_layers": 1,
// TINY: "capacity": 8,
// TINY: "tokens": 16,
// TINY: "params": 2376,
// TINY: "params_non_embedding": 2120,
// TINY: "activated_params": 1864,
// TINY: "activated_params_non_embedding": 1608,
// TINY: "flops": 95232,
// TINY: "flops_per_token": 5952

// BIG: "config": "64B/64E",
// BIG: "moe_layers": 32,
// BIG: "capacity": 64,
// BIG: "params": 1161756418048,
// BIG: "params_non_embedding": 1159659266048,
// BIG: "activated_params": 96604528640,
// BIG: "activated_params_non_embedding": 94507376640,
// BIG: "flops_per_token": 270515830784

// DENSE: "moe_layers": 0,
// DENSE: "params": 139537424384,
// DENSE: "activated_params": 139537424384,

// MID: "params": 27302410240,
// MID: "activated_params_non_embedding": 1813624832,

// ALL-NOT: func @main
// ALL: "params":
// ALL: "params_non_embedding":
// ALL: "activated_params":
// ALL: "activated_params_non_embedding":
// ALL: "flops_per_token":

// BOTH: func @main
// BOTH: "params_non_embedding":

func @main(%x: f32[2]) -> (f32[2]) {
  return %x
}
