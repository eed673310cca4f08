// partita-generate's errors: one line on stderr and exit 1 for a prompt longer than the
// cache (also from a file, including an endless one), a generation that would run past it,
// a zero or negative token count, weights that do not match the model (a missing
// parameter, a wrong shape), a module without @prefill, and command-line mistakes.
// RUN: rm -rf %t && mkdir -p %t
// RUN: partita-glam --config 1.7B/64E --layers 1 --d-model 16 --ffn 32 --heads 2 --head-dim 8 --experts 0 --vocab 257 --seq 8 --batch 1 --decode -o %t/m.pir
// RUN: partita-run %t/m.pir --engine=interp --outputs %t/w --save-inputs
// RUN: not partita-generate %t/m.pir --weights %t/w --prompt "abcdefghij" --max-new-tokens 1 2>&1 | FileCheck %s --check-prefix=LONG
// RUN: not partita-generate %t/m.pir --weights %t/w --prompt "abcd" --max-new-tokens 5 2>&1 | FileCheck %s --check-prefix=PAST
// RUN: partita-generate %t/m.pir --weights %t/w --prompt "abcd" --max-new-tokens 4 2>&1 | FileCheck %s --check-prefix=FITS
// RUN: not partita-generate %t/m.pir --weights %t/w --prompt "a" --max-new-tokens 0 2>&1 | FileCheck %s --check-prefix=ZERO
// RUN: not partita-generate %t/m.pir --weights %t/w --prompt "a" --max-new-tokens=-2 2>&1 | FileCheck %s --check-prefix=NEG
// RUN: not partita-generate %t/m.pir --weights %t/w --prompt "a" 2>&1 | FileCheck %s --check-prefix=NOCOUNT
// RUN: not partita-generate %t/m.pir --prompt "a" --max-new-tokens 1 2>&1 | FileCheck %s --check-prefix=NOWEIGHTS
// RUN: not partita-generate %t/m.pir --weights %t/w --max-new-tokens 1 2>&1 | FileCheck %s --check-prefix=NOPROMPT
// RUN: not partita-generate %t/m.pir --weights %t/w --prompt-file %t/none.txt --max-new-tokens 1 2>&1 | FileCheck %s --check-prefix=NOFILE
// RUN: printf abcdefgh > %t/eight.txt
// RUN: not partita-generate %t/m.pir --weights %t/w --prompt-file %t/eight.txt --max-new-tokens 1 2>&1 | FileCheck %s --check-prefix=FILE8
// RUN: printf abcdefghi > %t/nine.txt
// RUN: not partita-generate %t/m.pir --weights %t/w --prompt-file %t/nine.txt --max-new-tokens 1 2>&1 | FileCheck %s --check-prefix=FILE9
// RUN: not partita-generate %t/m.pir --weights %t/w --prompt-file /dev/zero --max-new-tokens 1 2>&1 | FileCheck %s --check-prefix=ENDLESS
// RUN: not partita-generate %t/m.pir --weights %t/w --prompt "a" --max-new-tokens 1 --temperature inf 2>&1 | FileCheck %s --check-prefix=TEMP
// RUN: not partita-generate %t/m.pir --checkpoint %t/w --prompt "a" --max-new-tokens 1 2>&1 | FileCheck %s --check-prefix=NOLATEST
// RUN: partita-glam --config 1.7B/64E --layers 1 --d-model 8 --ffn 32 --heads 2 --head-dim 8 --experts 0 --vocab 257 --seq 8 --batch 1 --decode -o %t/small.pir
// RUN: not partita-generate %t/small.pir --weights %t/w --prompt "a" --max-new-tokens 1 2>&1 | FileCheck %s --check-prefix=SHAPE
// RUN: rm %t/w/layer0.attn.wo.npy
// RUN: not partita-generate %t/m.pir --weights %t/w --prompt "a" --max-new-tokens 1 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not partita-generate %s --weights %t/w --prompt "a" --max-new-tokens 1 2>&1 | FileCheck %s --check-prefix=NOPREFILL
// A prefill bucket that is not @prefill over its length (here @prefill_24 renamed).
// RUN: partita-glam --config 1.7B/64E --layers 1 --d-model 16 --ffn 32 --heads 2 --head-dim 8 --experts 0 --vocab 257 --seq 32 --batch 1 --decode -o %t/s32.pir
// RUN: sed 's/@prefill_16(/@prefill_x(/; s/@prefill_24(/@prefill_16(/' %t/s32.pir > %t/bad.pir
// RUN: partita-run %t/s32.pir --engine=interp --outputs %t/w32 --save-inputs > /dev/null
// RUN: not partita-generate %t/bad.pir --weights %t/w32 --prompt "a" --max-new-tokens 1 2>&1 | FileCheck %s --check-prefix=BUCKET
// RUN: partita-glam --config 1.7B/64E --layers 1 --d-model 16 --ffn 32 --heads 2 --head-dim 8 --experts 0 --vocab 64 --seq 8 --batch 1 --decode -o %t/v64.pir
// RUN: not partita-generate %t/v64.pir --weights %t/w --prompt "a" --max-new-tokens 1 2>&1 | FileCheck %s --check-prefix=VOCAB

// LONG: partita-generate: error: the prompt of 10 bytes (11 tokens with BOS) is longer than the KV cache of 8 positions
// PAST: partita-generate: error: 5 new tokens after a prompt of 5 tokens need position 8, past the KV cache of 8 positions (at most 4 new tokens)
// FITS: generate: 4 tokens, prompt 5 tokens
// ZERO: partita-generate: error: --max-new-tokens must be positive, got 0
// NEG: partita-generate: error: --max-new-tokens must be positive, got -2
// NOCOUNT: partita-generate: error: --max-new-tokens N is required
// NOWEIGHTS: partita-generate: error: give exactly one of --weights DIR and --checkpoint DIR
// NOPROMPT: partita-generate: error: give exactly one of --prompt TEXT and --prompt-file F
// NOFILE: none.txt: error: cannot open the prompt file
// FILE8: partita-generate: error: the prompt of 8 bytes (9 tokens with BOS) is longer than the KV cache of 8 positions
// FILE9: nine.txt: error: the prompt file holds more than 8 bytes, longer than the KV cache of 8 positions
// ENDLESS: /dev/zero: error: the prompt file holds more than 8 bytes, longer than the KV cache of 8 positions
// TEMP: partita-generate: error: --temperature needs a finite number >= 0, got 'inf'
// NOLATEST: latest: error: cannot read the checkpoint's latest step
// SHAPE: embed.npy: error: {{.*}}f32[257,8]{{.*}} for argument %embed
// MISSING: layer0.attn.wo.npy: error: missing: the model's parameter %layer0.attn.wo has no weights file
// NOPREFILL: errors.pir:1:1: error: the module has no @prefill function (write it with partita-glam --decode)
// BUCKET: bad.pir:{{[0-9]+}}:1: error: @prefill_16 must be @prefill over 16 positions: %ids: i32[1,16], then @prefill's arguments and results (write the module with partita-glam --decode)
// VOCAB: partita-generate: error: the model's vocabulary of 64 is too small for byte tokens (needs at least 257)

func @main(%x: f32[2]) -> (f32[2]) {
  return %x
}
