// --memory-report prints to stderr the liveness peak of @main of the output program, its
// split by class and the largest values live at the peak; the module still goes to the
// output. Per device: %w 64 B (parameter), %v 16 B (optimizer state), %x 32 B (batch);
// %h 32, %t 32, %grad.w 64, %r 64 (all_reduce), %n 64. Peak 240 at %r, where %h and %t
// are dead: 64 + 16 + 32 + 64 + 64.
// RUN: partita-opt %s --memory-report -o %t 2>&1 | FileCheck %s
// RUN: FileCheck %s --check-prefix=OUT --input-file=%t
// RUN: partita-opt %s --memory-report --stats-json=- -o %t 2>/dev/null | FileCheck %s --check-prefix=JSON

// CHECK:      memory report for @main: peak 240 bytes per device (0.00 MiB) at op 3 (%r = all_reduce, {{.*}}memory-report.pir:{{[0-9]+}}:{{[0-9]+}})
// CHECK-NEXT:   parameters: 64 bytes (0.00 MiB)
// CHECK-NEXT:   gradients: 64 bytes (0.00 MiB)
// CHECK-NEXT:   optimizer_state: 16 bytes (0.00 MiB)
// CHECK-NEXT:   activations: 32 bytes (0.00 MiB)
// CHECK-NEXT:   collective_buffers: 64 bytes (0.00 MiB)
// CHECK-NEXT:   largest live values at the peak (5 of 5):
// CHECK-NEXT:   64  gradients          %grad.w : f32[4,4] = einsum
// CHECK-NEXT:   64  collective_buffers %r : f32[4,4] = all_reduce
// CHECK-NEXT:   64  parameters         %w : f32[4,4] (argument)
// CHECK-NEXT:   32  activations        %x : f32[2,4] (argument)
// CHECK-NEXT:   16  optimizer_state    %v : f32[4] (argument)
// OUT: return %n
// JSON: "peak_bytes_per_device": 240,
// JSON-NEXT: "peak_breakdown": {"parameters": 64, "gradients": 64, "optimizer_state": 16, "activations": 32, "collective_buffers": 64}

mesh @m = <["d"=2]>

func @main(%w: f32[4,4] {global = f32[4,4], sharding = <@m, [{}, {}]>},
           %v: f32[4] {global = f32[4], sharding = <@m, [{}]>, train.state = "w"},
           %x: f32[2,4] {global = f32[2,4], sharding = <@m, [{}, {}]>, train.batch = "x"})
    -> (f32[4,4] {global = f32[4,4], sharding = <@m, [{}, {}]>})
    attributes {partitioned = @m} {
  %h = einsum(%x, %w) {spec = "bi,ij->bj"} : f32[2,4]
  %t = tanh(%h) : f32[2,4]
  %grad.w = einsum(%x, %t) {spec = "bi,bj->ij"} : f32[4,4]
  %r = all_reduce(%grad.w) {axes = ["d"], reduction = "sum"} : f32[4,4]
  %n = add(%w, %r) : f32[4,4]
  return %n
}
