// --stats-json on a hand-written partitioned program. Per device: args 64 + 256 = 320 B;
// %h (einsum b=2 m=8 h=8: 256 flops, 64 B), %g = all_gather of %h (64 B sent, 128 B),
// %r = all_reduce of %g (128 B sent, 128 B); live peak at %r: 320 + 128 + 128 = 576.
// RUN: partita-opt %s --stats-json=- -o %t | FileCheck %s
// RUN: partita-opt %s --stats-json=- -o %t | python3 -c "import json,sys; d=json.load(sys.stdin); assert d['devices'] == 4, d"
// RUN: partita-opt %s --stats-json=%t.json -o %t
// RUN: FileCheck %s --input-file=%t.json
// IR first, then the JSON, when both go to stdout:
// RUN: partita-opt %s --stats-json=- | FileCheck %s --check-prefix=BOTH

// CHECK: "devices": 4,
// CHECK-NEXT: "mesh": {"data": 2, "model": 2},
// CHECK-NEXT: "collectives": [
// CHECK-NEXT: {"kind": "all_gather", "axes": ["model"], "bytes": 64},
// CHECK-NEXT: {"kind": "all_reduce", "axes": ["data"], "bytes": 128}
// CHECK-NEXT: ],
// CHECK-NEXT: "flops_per_device": 256,
// CHECK-NEXT: "param_bytes_per_device": 320,
// CHECK-NEXT: "peak_bytes_per_device": 576,
// CHECK-NEXT: "peak_breakdown": {"parameters": 320, "gradients": 0, "optimizer_state": 0, "activations": 0, "collective_buffers": 256},
// Wire bytes: 64 * (2-1) for the all_gather, 2 * 128 * (2-1)/2 for the all_reduce; 256
// flops at 275e12 FLOP/s, 192 B at 100e9 B/s.
// CHECK-NEXT: "modelled_step": {"compute_seconds": 9.30909e-13, "collective_wire_bytes": 192, "collective_seconds": 1.92e-09, "seconds": 1.92093e-09}

// BOTH: return %r
// BOTH: "devices": 4

mesh @m = <["data"=2, "model"=2]>

func @main(%x: f32[2,8] {global = f32[4,8], sharding = <@m, [{"data"}, {}]>},
           %w: f32[8,8] {global = f32[8,16], sharding = <@m, [{}, {"model"}]>})
    -> (f32[2,16] {global = f32[4,16], sharding = <@m, [{"data"}, {}]>})
    attributes {partitioned = @m} {
  %h = einsum(%x, %w) {spec = "bm,mh->bh"} : f32[2,8]
  %g = all_gather(%h) {axes = ["model"], dim = 1} : f32[2,16]
  %r = all_reduce(%g) {axes = ["data"], reduction = "sum"} : f32[2,16]
  return %r
}
