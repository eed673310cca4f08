// The adafactor pass on a differentiated program with an expert weight sharded on "data"
// and "model" and a vector: arguments become params, state, step, batch; the factored
// state v_row/v_col of the [E,M,H] weight drops H (largest) / M and keeps the weight's
// sharding on the remaining dims; results are loss, aux, then the next params and state
// with `train.next`; hyperparameters are filled in with their defaults.
// RUN: partita-opt %s --pipeline=autodiff,adafactor | FileCheck %s
// RUN: partita-opt %s --pipeline=autodiff,adafactor | partita-opt | FileCheck %s
// RUN: partita-opt %s --pipeline=autodiff,adafactor | partita-opt --partition | FileCheck %s --check-prefix=PART
// Two chained steps (the second with a real second-moment state), partitioned vs reference.
// RUN: partita-opt %s --pipeline=autodiff,adafactor -o %t.step.pir
// RUN: rm -rf %t.d && python3 %S/Inputs/feed.py step %t.d/in 0
// RUN: partita-run %t.step.pir --simulate --check --inputs %t.d/in --outputs %t.d/out1 --save-inputs | FileCheck %s --check-prefix=EXEC
// RUN: python3 %S/Inputs/feed.py next %t.step.pir %t.d/out1 %t.d/in | FileCheck %s --check-prefix=FED
// RUN: partita-run %t.step.pir --simulate --check --inputs %t.d/in | FileCheck %s --check-prefix=EXEC
// min_dim_to_factor = INT64_MAX (read as an integer, not through double, where it would
// round to 2^63): nothing is factored.
// RUN: sed -e 's/warmup_steps = 20}/warmup_steps = 20, adafactor.min_dim_to_factor = 9223372036854775807}/' %s | partita-opt - --pipeline=autodiff,adafactor | FileCheck %s --check-prefix=NOFACTOR
// NOFACTOR: %wi.v: f32[4,16,32] {sharding = <@mesh, [{"data"}, {}, {"model"}]>, train.init = "zeros", train.state = "wi"}
// NOFACTOR-NOT: v_row
// NOFACTOR-SAME: adafactor.min_dim_to_factor = 9223372036854775807

// CHECK-LABEL: func @main(
// CHECK-SAME: %wi: f32[4,16,32] {sharding = <@mesh, [{"data"}, {}, {"model"}]>, trainable = true},
// CHECK-SAME: %scale: f32[16] {sharding = <@mesh, [{"model"}]>, trainable = true},
// CHECK-SAME: %wi.v_row: f32[4,16] {sharding = <@mesh, [{"data"}, {}]>, train.init = "zeros", train.state = "wi"},
// CHECK-SAME: %wi.v_col: f32[4,32] {sharding = <@mesh, [{"data"}, {"model"}]>, train.init = "zeros", train.state = "wi"},
// CHECK-SAME: %scale.v: f32[16] {sharding = <@mesh, [{"model"}]>, train.init = "zeros", train.state = "scale"},
// CHECK-SAME: %step: i32[] {sharding = <@mesh, []>, train.step = true},
// CHECK-SAME: %x: f32[8,16] {sharding = <@mesh, [{"data"}, {}]>, train.batch = "x"},
// CHECK-SAME: %y: f32[8,4] {sharding = <@mesh, [{"data"}, {}]>, train.batch = "y"})
// CHECK-SAME: -> (f32[], f32[],
// CHECK-SAME: f32[4,16,32] {sharding = <@mesh, [{"data"}, {}, {"model"}]>, train.next = "wi"},
// CHECK-SAME: f32[16] {sharding = <@mesh, [{"model"}]>, train.next = "scale"},
// CHECK-SAME: f32[4,16] {sharding = <@mesh, [{"data"}, {}]>, train.next = "wi.v_row"},
// CHECK-SAME: f32[4,32] {sharding = <@mesh, [{"data"}, {"model"}]>, train.next = "wi.v_col"},
// CHECK-SAME: f32[16] {sharding = <@mesh, [{"model"}]>, train.next = "scale.v"})
// CHECK-SAME: attributes {adafactor.clip = 1.0, adafactor.decay_rate = 0.8, adafactor.eps1 = 1e-30, adafactor.eps2 = 0.001, adafactor.lr = 0.5, adafactor.min_dim_to_factor = 1, adafactor.warmup_steps = 20}
// The decay uses count + 1, the learning rate the count itself.
// CHECK: %adafactor.count = convert(%step) : f32[]
// CHECK: %adafactor.t = add(%adafactor.count, %adafactor.one) : f32[]
// CHECK: %adafactor.t_pow = pow(%adafactor.t, %adafactor.neg_decay_rate) : f32[]
// CHECK: %adafactor.after_warmup = max(%adafactor.count, %adafactor.warmup) : f32[]
// Row statistics average H away, column statistics M; rows are normalised per expert.
// CHECK: %wi.row_mean.sum = reduce_sum(%wi.g2_eps) {dims = [2]} : f32[4,16]
// CHECK: %wi.col_mean.sum = reduce_sum(%wi.g2_eps) {dims = [1]} : f32[4,32]
// CHECK: %wi.row_col_mean.sum = reduce_sum(%wi.v_row.next) {dims = [1]} : f32[4]
// CHECK: %scale.v.next = add(
// CHECK: return %loss, %aux, %wi.next, %scale.next, %wi.v_row.next, %wi.v_col.next, %scale.v.next

// On the 2x2 mesh each device holds half of the experts' state and half of each column
// statistic; the row statistic of the model-sharded H is reduced over "model" only.
// PART: %wi.v_row: f32[2,16] {global = f32[4,16], sharding = <@mesh, [{"data"}, {}]>
// PART-SAME: %wi.v_col: f32[2,16] {global = f32[4,32], sharding = <@mesh, [{"data"}, {"model"}]>
// The row statistics of the model-sharded dim are summed over "model" only (combined with
// other independent sums by combine-collectives).
// PART: %combined{{.*}} = concatenate(%wi.row_mean.sum.flat
// PART-NEXT: all_reduce(%combined{{.*}}) {axes = ["model"], reduction = "sum"}
// PART-NEXT: %wi.row_mean.sum.ar.piece = slice
// PART-NOT: all_reduce(%wi.col_mean
// PART-NOT: all_reduce(%wi.row_col_mean
// PART: %combined{{.*}} = concatenate(%wi.u_rms.ms.sum.flat
// PART-NEXT: all_reduce(%combined{{.*}}) {axes = ["data", "model"], reduction = "sum"}

// EXEC: check: {{.*}} PASS
// FED: fed 5 results into 7 arguments

mesh @mesh = <["data"=2, "model"=2]>

func @main(%x: f32[8,16] {sharding = <@mesh, [{"data"}, {}]>},
           %wi: f32[4,16,32] {sharding = <@mesh, [{"data"}, {}, {"model"}]>, trainable = true},
           %scale: f32[16] {sharding = <@mesh, [{"model"}]>, trainable = true},
           %y: f32[8,4] {sharding = <@mesh, [{"data"}, {}]>})
    -> (f32[], f32[]) attributes {adafactor.lr = 0.5, adafactor.warmup_steps = 20} {
  %bs = broadcast_in_dim(%scale) {dims = [1]} : f32[8,16]
  %xs = mul(%x, %bs) : f32[8,16]
  %h = einsum(%xs, %wi) {spec = "bm,emh->beh"} : f32[8,4,32]
  %t = tanh(%h) : f32[8,4,32]
  %r = reduce_sum(%t) {dims = [2]} : f32[8,4]
  %d = sub(%r, %y) : f32[8,4]
  %d2 = mul(%d, %d) : f32[8,4]
  %loss = reduce_sum(%d2) {dims = [0, 1]} : f32[]
  %aux = reduce_sum(%r) {dims = [0, 1]} : f32[]
  return %loss, %aux
}
