// Packed GLaMs (several documents per row, padding, a row of padding alone) under mpirun,
// one rank per device, match the unpartitioned reference: 2x2 and 4x2, f32 and bf16.
// RUN: rm -rf %t.in48 && python3 %S/Inputs/packed_batch.py %t.in48 4 8 64 1
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 4 --seq 8 --mesh data=2,model=2 --packed -o %t.even22.pir
// RUN: env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=detect_leaks=0 mpirun --oversubscribe -np 4 partita-run %t.even22.pir --inputs %t.in48 --check --timeout 300 | FileCheck %s --check-prefix=F32
// RUN: rm -rf %t.in39 && python3 %S/Inputs/packed_batch.py %t.in39 3 9 37 2
// RUN: partita-glam --config 1.7B/64E --layers 3 --d-model 12 --ffn 20 --heads 3 --head-dim 4 --experts 3 --vocab 37 --batch 3 --seq 9 --groups 3 --capacity-factor 1.0 --mesh data=4,model=2 --packed -o %t.uneven42.pir
// RUN: env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=detect_leaks=0 mpirun --oversubscribe -np 8 partita-run %t.uneven42.pir --inputs %t.in39 --check --timeout 300 | FileCheck %s --check-prefix=F32
// RUN: rm -rf %t.in816 && python3 %S/Inputs/packed_batch.py %t.in816 8 16 64 3
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 8 --seq 16 --activations=bf16 --mesh data=2,model=2 --packed -o %t.bf22.pir
// RUN: env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=detect_leaks=0 mpirun --oversubscribe -np 4 partita-run %t.bf22.pir --inputs %t.in816 --check --timeout 300 | FileCheck %s --check-prefix=BF16
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 8 --seq 16 --activations=bf16 --mesh data=4,model=2 --packed -o %t.bf42.pir
// RUN: env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=detect_leaks=0 mpirun --oversubscribe -np 8 partita-run %t.bf42.pir --inputs %t.in816 --check --timeout 300 | FileCheck %s --check-prefix=BF16

// F32: result0: f32[]
// F32: result1: f32[]
// F32: check: {{.*}} PASS
// BF16: result0: bf16[]
// BF16: result1: bf16[]
// BF16: check: {{.*}} PASS

func @main(%x: f32[2]) -> (f32[2]) {
  return %x
}
