// --trace FILE writes a Chrome trace (Perfetto, chrome://tracing) of one JIT run: one
// process per rank, one complete event per root op (4 here: the broadcast is fused), each
// in a phase; check_trace.py parses it as JSON and checks its structure.
// RUN: partita-run %s --no-cache --trace %t.json | FileCheck %s
// CHECK: result0: f32[64,80] {{.*}} sum=64
// RUN: python3 %S/../../mpi/check_trace.py %t.json 1 --ops 4 --phases compute
// RUN: FileCheck %s --check-prefix=JSON < %t.json
// JSON: "traceEvents"
// JSON: {"name": "process_name", "ph": "M", "pid": 0, "tid": 0, "args": {"name": "rank 0"}}
// JSON: {"name": "einsum %y", "cat": "compute", "ph": "X", "pid": 0, "tid": 0, "ts": {{[0-9.]+}}, "dur": {{[0-9.]+}}, "args": {"op": 0, "type": "f32[64,80]"}}
// Partitioned runs record each rank under mpirun (tests/mpi/async_same.py); the simulator
// and the interpreter are not traced:
// RUN: not partita-run %s --trace %t.json --engine=interp 2>&1 | FileCheck %s --check-prefix=ERR
// RUN: not partita-run %s --trace %t.json --simulate 2>&1 | FileCheck %s --check-prefix=ERR
// ERR: partita-run: error: --trace records the JIT engine on one device or on each rank under mpirun (not --engine=interp or --simulate)
func @main(%a: f32[64,96], %b: f32[96,80]) -> (f32[64,80]) {
  %y = einsum(%a, %b) {spec = "ij,jk->ik"} : f32[64,80]
  %e = exp(%y) : f32[64,80]
  %s = reduce_sum(%e) {dims = [1]} : f32[64]
  %sb = broadcast_in_dim(%s) {dims = [0]} : f32[64,80]
  %r = div(%e, %sb) : f32[64,80]
  return %r
}
