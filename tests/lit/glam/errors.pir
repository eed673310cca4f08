// Command-line and configuration errors: one line on stderr, exit 1, nothing on stdout.
// RUN: not partita-glam 2>&1 | FileCheck %s --check-prefix=NOCONFIG
// RUN: not partita-glam --config 2B 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not partita-glam --config 0.1B --batch 1 --groups 3 2>&1 | FileCheck %s --check-prefix=GROUPS
// RUN: not partita-glam --config 0.1B --groups 0 2>&1 | FileCheck %s --check-prefix=GROUPS0
// RUN: not partita-glam --config 0.1B --experts 1 2>&1 | FileCheck %s --check-prefix=EXPERTS
// RUN: not partita-glam --config 0.1B --layers x 2>&1 | FileCheck %s --check-prefix=NOTINT
// RUN: not partita-glam --config 0.1B --layers=-3 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: not partita-glam --config 0.1B --d-model 2>&1 | FileCheck %s --check-prefix=NOVALUE
// RUN: not partita-glam --config 0.1B --capacity-factor=0 2>&1 | FileCheck %s --check-prefix=CF
// RUN: not partita-glam --config 0.1B --activations=f16 2>&1 | FileCheck %s --check-prefix=ACT
// RUN: not partita-glam --config 0.1B --sharding=3d 2>&1 | FileCheck %s --check-prefix=SHARDING
// RUN: not partita-glam --config 0.1B --sharding=2d 2>&1 | FileCheck %s --check-prefix=NOMESH
// RUN: not partita-glam --config 0.1B --mesh data=2 --sharding=none 2>&1 | FileCheck %s --check-prefix=MESHNONE
// RUN: not partita-glam --config 0.1B --mesh data=2,pipe=2 2>&1 | FileCheck %s --check-prefix=AXIS
// RUN: not partita-glam --config 0.1B --mesh data=0 2>&1 | FileCheck %s --check-prefix=AXISSIZE
// RUN: not partita-glam --config 0.1B --mesh data=2,data=2 2>&1 | FileCheck %s --check-prefix=AXISTWICE
// RUN: not partita-glam --config 0.1B --bogus 2>&1 | FileCheck %s --check-prefix=FLAG
// RUN: not partita-glam --config 0.1B stray 2>&1 | FileCheck %s --check-prefix=STRAY
// RUN: not partita-glam --config 0.1B --seq 100000 2>&1 | FileCheck %s --check-prefix=SEQ
// RUN: not partita-glam --config 0.1B --layers 2147483647 --d-model 1 2>&1 | FileCheck %s --check-prefix=LAYERS
// RUN: not partita-glam --config 0.1B --batch 1000000 --vocab 10000000 2>&1 | FileCheck %s --check-prefix=HUGE
// RUN: not partita-glam --config 0.1B -o %t.dir.missing/x.pir 2>&1 | FileCheck %s --check-prefix=OUT
// RUN: not partita-glam --config 0.1B --bogus 2>/dev/null | FileCheck %s --allow-empty --check-prefix=NOSTDOUT

// NOCONFIG: partita-glam: error: --config NAME is required (see --help)
// UNKNOWN: partita-glam: error: unknown config '2B'; valid configs: 0.1B, 0.1B/64E, 1.7B, 1.7B/32E, 1.7B/64E, 1.7B/128E, 1.7B/256E, 8B, 8B/64E, 137B, 64B/64E
// GROUPS: partita-glam: error: --groups 3 does not divide batch*seq = 1024
// GROUPS0: partita-glam: error: --groups must be positive, got 0
// EXPERTS: partita-glam: error: --experts must be 0 (dense) or at least 2 (top-2 routing), got 1
// NOTINT: partita-glam: error: --layers needs an integer, got 'x'
// RANGE: partita-glam: error: --layers must be between 1 and 2147483647, got -3
// NOVALUE: partita-glam: error: --d-model needs a value (see --help)
// CF: partita-glam: error: --capacity-factor must be a positive number, got 0
// ACT: partita-glam: error: --activations must be f32 or bf16, got 'f16'
// SHARDING: partita-glam: error: --sharding must be 2d, 2d-full, data or none, got '3d'
// NOMESH: partita-glam: error: --sharding=2d needs --mesh (e.g. --mesh data=2,model=2)
// MESHNONE: partita-glam: error: --mesh needs --sharding=2d or --sharding=data
// AXIS: partita-glam: error: mesh axis 'pipe' must be named data or model
// AXISSIZE: partita-glam: error: mesh axis size '0' must be an integer between 1 and 65536
// AXISTWICE: partita-glam: error: mesh axis 'data' given twice
// FLAG: partita-glam: error: unknown option '--bogus' (see --help)
// STRAY: partita-glam: error: unexpected argument 'stray' (see --help)
// SEQ: partita-glam: error: --seq must be at most 65536, got 100000
// LAYERS: partita-glam: error: --layers must be at most 10000, got 2147483647
// HUGE: partita-glam: error: the configuration has a tensor of more than 2^50 elements
// OUT: {{^.*}}x.pir: error: cannot write: 
// NOSTDOUT-NOT: {{.}}

func @main(%x: f32[2]) -> (f32[2]) {
  return %x
}
