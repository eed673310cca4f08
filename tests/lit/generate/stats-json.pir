// partita-generate --stats-json and --ignore-eos: the weights of seed 7 make greedy decoding
// pick the end-of-document id 256 first, so a plain run stops after 1 token and --ignore-eos
// goes on to N; the JSON's token ids are the bytes the run printed, its first token is the
// argmax of its first logits (one per vocabulary id), and its figures are the summary's.
// RUN: rm -rf %t && mkdir -p %t
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 32 --ffn 64 --heads 4 --head-dim 8 --experts 4 --vocab 257 --seq 32 --batch 1 --decode -o %t/m.pir
// RUN: partita-run %t/m.pir --engine=interp --seed 7 --outputs %t/w --save-inputs
// RUN: partita-generate %t/m.pir --weights %t/w --prompt "Hello" --max-new-tokens 26 --stats-json=%t/stop.json > %t/stop.txt 2> %t/stop.err
// RUN: FileCheck %s --check-prefix=STOP < %t/stop.err
// RUN: FileCheck %s --check-prefix=STOPJSON < %t/stop.json
// RUN: partita-generate %t/m.pir --weights %t/w --prompt "Hello" --max-new-tokens 26 --ignore-eos --stats-json=%t/all.json > %t/all.txt 2> %t/all.err
// RUN: FileCheck %s --check-prefix=ALL < %t/all.err
// RUN: FileCheck %s --check-prefix=ALLJSON < %t/all.json
// RUN: python3 %S/Inputs/check_stats.py %t/all.json %t/all.txt 26 | FileCheck %s --check-prefix=CHECKED
// An unwritable stats file is one error line naming it (NOWRITE), exit 1; under mpirun too,
// without another tool's name in it (rank 0 writes it after the last step, then ends the job).
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 32 --ffn 64 --heads 4 --head-dim 8 --experts 4 --vocab 257 --seq 32 --batch 1 --decode --mesh model=2 -o %t/m2.pir
// RUN: env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=detect_leaks=0 not mpirun --oversubscribe -np 2 partita-generate %t/m2.pir --weights %t/w --prompt "Hello" --max-new-tokens 2 --stats-json=%t/no/s.json 2>&1 >/dev/null | FileCheck %s --check-prefix=NOSTATS
// NOSTATS: {{^}}{{.*}}/no/s.json: error: cannot write: cannot create a temporary file beside it{{$}}
// NOSTATS-NOT: partita-run
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 32 --ffn 64 --heads 4 --head-dim 8 --experts 4 --vocab 257 --seq 32 --batch 2 --decode --mesh data=2,model=2 -o %t/22.pir
// RUN: partita-generate %t/22.pir --weights %t/w --prompt "Hello" --max-new-tokens 26 --ignore-eos --simulate --stats-json=%t/22.json > %t/22.txt
// RUN: diff %t/all.txt %t/22.txt
// RUN: python3 %S/Inputs/check_stats.py %t/22.json %t/22.txt 26 | FileCheck %s --check-prefix=CHECKED
// RUN: FileCheck %s --check-prefix=TWOBYTWO < %t/22.json
// RUN: not partita-generate %t/m.pir --weights %t/w --prompt "Hello" --max-new-tokens 2 --stats-json=%t/no/such/dir/s.json 2>&1 | FileCheck %s --check-prefix=NOWRITE
// RUN: not partita-generate %t/m.pir --weights %t/w --prompt "Hello" --max-new-tokens 2 --stats-json= 2>&1 | FileCheck %s --check-prefix=EMPTY

// STOP: generate: 1 token, prompt 6 tokens
// STOPJSON: "prompt_tokens": 6,
// STOPJSON-NEXT: "prefill": "prefill_16",
// STOPJSON-NEXT: "tokens": [256],
// STOPJSON: "decode_steps": 0,
// STOPJSON: "decode_tokens_per_s": null,
// ALL: generate: 26 tokens, prompt 6 tokens
// ALLJSON: "prompt_tokens": 6,
// ALLJSON-NEXT: "prefill": "prefill_16",
// ALLJSON-NEXT: "tokens": [256, {{([0-9]+, ){24}[0-9]+}}],
// ALLJSON: "decode_steps": 25,
// ALLJSON: "kv_cache_bytes_per_device": 16384,
// ALLJSON-NEXT: "devices": 1,
// ALLJSON-NEXT: "threads": {{[0-9]+}},
// ALLJSON-NEXT: "first_logits": [
// CHECKED: OK 26 tokens, 257 logits
// TWOBYTWO: "kv_cache_bytes_per_device": 8192,
// TWOBYTWO-NEXT: "devices": 4,
// NOWRITE: {{^}}{{.*}}/no/such/dir/s.json: error: cannot write: cannot create a temporary file beside it{{$}}
// EMPTY: partita-generate: error: --stats-json needs a non-empty value

func @main(%x: f32[2]) -> (f32[2]) {
  return %x
}
