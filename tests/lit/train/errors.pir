// The adafactor pass refuses programs that are not differentiated and bad hyperparameters,
// with located one-line errors.
// RUN: not partita-opt %s --pipeline=adafactor 2>&1 | FileCheck %s --check-prefix=NODIFF
// RUN: sed 's/adafactor.lr = 0.1/adafactor.lr = -1.0/' %s > %t.neg.pir
// RUN: not partita-opt %t.neg.pir --pipeline=autodiff,adafactor 2>&1 | FileCheck %s --check-prefix=LR
// RUN: sed 's/adafactor.lr = 0.1/adafactor.warmup_steps = 2.5/' %s > %t.warm.pir
// RUN: not partita-opt %t.warm.pir --pipeline=autodiff,adafactor 2>&1 | FileCheck %s --check-prefix=WARM
// RUN: sed 's/trainable = true/trainable = false/' %s > %t.none.pir
// RUN: not partita-opt %t.none.pir --pipeline=adafactor 2>&1 | FileCheck %s --check-prefix=NONE
// NODIFF: errors.pir:16:59: error: adafactor: @main has 1 result(s), but a differentiated program returns its loss and then one gradient per trainable argument (1); run autodiff first (partita-opt --differentiate)
// NODIFF-NOT: error:
// LR: neg.pir:16:{{[0-9]+}}: error: adafactor: attribute 'adafactor.lr' must be a positive number
// WARM: warm.pir:16:{{[0-9]+}}: error: adafactor: attribute 'adafactor.warmup_steps' must be a non-negative integer
// NONE: none.pir:16:1: error: adafactor: no argument of @main is marked `trainable = true`

func @main(%x: f32[4], %w: f32[4] {trainable = true}) -> (f32[]) attributes {adafactor.lr = 0.1} {
  %p = mul(%x, %w) : f32[4]
  %l = reduce_sum(%p) {dims = [0]} : f32[]
  return %l
}
