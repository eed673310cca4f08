// partita-generate: greedy decoding of a tiny serving module (partita-glam --decode) with
// random weights written by partita-run --save-inputs gives the same tokens on one device,
// with the prompt read from a file (--prompt-file), simulated on data=2, model=2 and 2x2,
// under mpirun on 4 ranks, and from a checkpoint directory; sampling with a seed is the
// same on 1 and 4 devices and differs from greedy; the summary line reports the
// per-device KV cache bytes.
// RUN: rm -rf %t && mkdir -p %t/ckpt/step-7
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 32 --ffn 64 --heads 4 --head-dim 8 --experts 4 --vocab 260 --seq 32 --batch 2 --decode -o %t/one.pir
// RUN: partita-run %t/one.pir --engine=interp --outputs %t/w --save-inputs
// RUN: partita-generate %t/one.pir --weights %t/w --prompt "Hello" --max-new-tokens 12 > %t/one.txt 2> %t/one.err
// RUN: FileCheck %s --check-prefix=ONE < %t/one.err
// RUN: printf Hello > %t/prompt.txt
// RUN: partita-generate %t/one.pir --weights %t/w --prompt-file %t/prompt.txt --max-new-tokens 12 > %t/file.txt
// RUN: diff %t/one.txt %t/file.txt
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 32 --ffn 64 --heads 4 --head-dim 8 --experts 4 --vocab 260 --seq 32 --batch 2 --decode --mesh data=2 -o %t/d2.pir
// RUN: partita-generate %t/d2.pir --weights %t/w --prompt "Hello" --max-new-tokens 12 --simulate > %t/d2.txt
// RUN: diff %t/one.txt %t/d2.txt
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 32 --ffn 64 --heads 4 --head-dim 8 --experts 4 --vocab 260 --seq 32 --batch 2 --decode --mesh model=2 -o %t/m2.pir
// RUN: partita-generate %t/m2.pir --weights %t/w --prompt "Hello" --max-new-tokens 12 --simulate > %t/m2.txt
// RUN: diff %t/one.txt %t/m2.txt
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 32 --ffn 64 --heads 4 --head-dim 8 --experts 4 --vocab 260 --seq 32 --batch 2 --decode --mesh data=2,model=2 -o %t/22.pir
// RUN: partita-generate %t/22.pir --weights %t/w --prompt "Hello" --max-new-tokens 12 --simulate > %t/22.txt 2> %t/22.err
// RUN: diff %t/one.txt %t/22.txt
// RUN: FileCheck %s --check-prefix=TWOBYTWO < %t/22.err
// RUN: env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=detect_leaks=0 mpirun --oversubscribe -np 4 partita-generate %t/22.pir --weights %t/w --prompt "Hello" --max-new-tokens 12 > %t/mpi.txt
// RUN: diff %t/one.txt %t/mpi.txt
// RUN: cp %t/w/embed.npy %t/w/final_norm.scale.npy %t/ckpt/step-7/
// RUN: cp %t/w/layer0.attn.wq.npy %t/w/layer0.attn.wk.npy %t/w/layer0.attn.wv.npy %t/w/layer0.attn.wo.npy %t/w/layer0.attn.rel_bias.npy %t/ckpt/step-7/
// RUN: cp %t/w/layer1.attn.wq.npy %t/w/layer1.attn.wk.npy %t/w/layer1.attn.wv.npy %t/w/layer1.attn.wo.npy %t/w/layer1.attn.rel_bias.npy %t/ckpt/step-7/
// RUN: cp %t/w/layer0.attn_norm.scale.npy %t/w/layer0.ffn_norm.scale.npy %t/w/layer1.attn_norm.scale.npy %t/w/layer1.ffn_norm.scale.npy %t/ckpt/step-7/
// RUN: cp %t/w/layer0.mlp.wi_0.npy %t/w/layer0.mlp.wi_1.npy %t/w/layer0.mlp.wo.npy %t/w/layer1.moe.gate.npy %t/w/layer1.moe.wi.npy %t/w/layer1.moe.wo.npy %t/ckpt/step-7/
// Sampling draws from a generator of (seed, step): the same tokens on every mesh too.
// RUN: partita-generate %t/one.pir --weights %t/w --prompt "Hello" --max-new-tokens 12 --temperature 0.8 --top-k 5 --seed 3 > %t/s1.txt
// RUN: partita-generate %t/22.pir --weights %t/w --prompt "Hello" --max-new-tokens 12 --temperature 0.8 --top-k 5 --seed 3 --simulate > %t/s22.txt
// RUN: diff %t/s1.txt %t/s22.txt
// RUN: not diff %t/one.txt %t/s1.txt
// RUN: echo step-7 > %t/ckpt/latest
// RUN: partita-generate %t/one.pir --checkpoint %t/ckpt --prompt "Hello" --max-new-tokens 12 > %t/ckpt.txt
// RUN: diff %t/one.txt %t/ckpt.txt

// 2 layers x (k, v) x [2, 32, 4, 8] f32 = 32768 bytes on one device; a quarter on 2x2.
// ONE: generate: 12 tokens, prompt 6 tokens, time to first token {{[0-9.]+}} ms, {{[0-9.]+}} tokens/s decoding, KV cache 32768 bytes per device (1 device)
// TWOBYTWO: KV cache 8192 bytes per device (4 devices)

func @main(%x: f32[2]) -> (f32[2]) {
  return %x
}
