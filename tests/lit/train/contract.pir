// partita-train's checks of the training-step contract: each broken variant of this small
// step program is one located error and exit 1; the program itself trains and its first
// step matches the reference interpreter.
// RUN: partita-train %s --data %s --steps 2 --simulate --check | FileCheck %s --check-prefix=OK
// OK: check: {{.*}} PASS
// OK: step 1/2 loss
// OK: step 2/2 loss
//
// RUN: sed 's/%%step: i32\[\] {train.step = true},//; s/convert(%%step)/convert(%zero.i)/' %s > %t.nostep.pir
// RUN: not partita-train %t.nostep.pir --data %s --steps 1 --simulate 2>&1 | FileCheck %s --check-prefix=NOSTEP
// NOSTEP: nostep.pir:[[#FUNC:]]:1: error: @main has no step argument (an i32[] argument with train.step = true)
//
// RUN: sed 's/train.next = "w.v"/train.next = "w"/' %s > %t.next.pir
// RUN: not partita-train %t.next.pir --data %s --steps 1 --simulate 2>&1 | FileCheck %s --check-prefix=NEXT
// NEXT: next.pir:{{[0-9]+}}:{{[0-9]+}}: error: result 3 has train.next = "w" but it is the next value of argument 1 %w.v (results follow the argument order)
//
// RUN: sed 's/"uniform:0.5"/"gaussian"/' %s > %t.init.pir
// RUN: not partita-train %t.init.pir --data %s --steps 1 --simulate 2>&1 | FileCheck %s --check-prefix=INIT
// INIT: init.pir:[[#ARGS:]]:{{[0-9]+}}: error: argument %w has train.init "gaussian"; expected "ones", "zeros" or "uniform:<scale>"
//
// RUN: sed 's/train.batch = "positions"/train.batch = "position"/' %s > %t.kind.pir
// RUN: not partita-train %t.kind.pir --data %s --steps 1 --simulate 2>&1 | FileCheck %s --check-prefix=KIND
// KIND: kind.pir:{{[0-9]+}}:{{[0-9]+}}: error: argument %positions: train.batch must be "ids", "labels", "segments" or "positions", got "position"
//
// RUN: sed 's/, train.state = "w"//' %s > %t.role.pir
// RUN: not partita-train %t.role.pir --data %s --steps 1 --simulate 2>&1 | FileCheck %s --check-prefix=ROLE
// ROLE: role.pir:{{[0-9]+}}:{{[0-9]+}}: error: argument %w.v has no training role (trainable = true, train.state, train.step = true or train.batch)
//
// RUN: sed 's/-> (f32\[\], f32\[\],/-> (f32[],/; s/return %loss, %aux,/return %loss,/' %s > %t.count.pir
// RUN: not partita-train %t.count.pir --data %s --steps 1 --simulate 2>&1 | FileCheck %s --check-prefix=COUNT
// COUNT: count.pir:{{[0-9]+}}:{{[0-9]+}}: error: @main returns 3 results but the contract needs 4: the loss, the aux loss, then the next value of each of the 2 parameters and optimizer states
//
// RUN: not partita-train %s --data %s --steps 1 --simulate --batch 3 2>&1 | FileCheck %s --check-prefix=BATCH
// BATCH: partita-train: error: --batch 3 does not match the program's batch of 2 rows (%ids is i32[2,4])
//
// RUN: not partita-train %s --data %s --steps 1 2>&1 | FileCheck %s --check-prefix=DEVICES
// DEVICES: contract.pir:{{[0-9]+}}:{{[0-9]+}}: error: this program needs 2 devices: run it under `mpirun -np 2` or with --simulate
//
// RUN: not partita-train %s --steps 1 2>&1 | FileCheck %s --check-prefix=NODATA
// NODATA: partita-train: error: no --data FILE (see --help)
// RUN: not partita-train %s --data %s --steps 1 --simulate --resume 2>&1 | FileCheck %s --check-prefix=RESUME
// RESUME: partita-train: error: --resume needs --checkpoint-dir DIR

mesh @mesh = <["data"=2]>

func @main(%w: f32[4] {trainable = true, train.init = "uniform:0.5"},
           %w.v: f32[4] {train.init = "zeros", train.state = "w"},
           %step: i32[] {train.step = true},
           %ids: i32[2,4] {sharding = <@mesh, [{"data"}, {}]>, train.batch = "ids"},
           %labels: i32[2,4] {sharding = <@mesh, [{"data"}, {}]>, train.batch = "labels"},
           %segments: i32[2,4] {sharding = <@mesh, [{"data"}, {}]>, train.batch = "segments"},
           %positions: i32[2,4] {sharding = <@mesh, [{"data"}, {}]>, train.batch = "positions"})
    -> (f32[], f32[], f32[4] {train.next = "w"}, f32[4] {train.next = "w.v"}) {
  %zero.i = constant() {value = 0} : i32[]
  %x = convert(%ids) : f32[2,4]
  %wb = broadcast_in_dim(%w) {dims = [1]} : f32[2,4]
  %p = mul(%x, %wb) : f32[2,4]
  %loss = reduce_sum(%p) {dims = [0, 1]} : f32[]
  %aux = convert(%step) : f32[]
  %g = reduce_sum(%x) {dims = [0]} : f32[4]
  %lr = constant() {value = 0.001} : f32[4]
  %u = mul(%lr, %g) : f32[4]
  %w.new = sub(%w, %u) : f32[4]
  return %loss, %aux, %w.new, %g
}
