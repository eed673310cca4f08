// An unpartitioned program reports one device, the module's first mesh, and no
// collectives. flops: letters b=4 m=8 h=16 → 2*512 = 1024. params 128 + 512 = 640 B;
// %h is 256 B: peak 896.
// RUN: partita-opt %s --stats-json=- -o %t | FileCheck %s

// CHECK: "devices": 1,
// CHECK-NEXT: "mesh": {"data": 2},
// CHECK-NEXT: "collectives": [],
// CHECK-NEXT: "flops_per_device": 1024,
// CHECK-NEXT: "param_bytes_per_device": 640,
// CHECK-NEXT: "peak_bytes_per_device": 896

mesh @mesh = <["data"=2]>
mesh @other = <["x"=4]>

func @main(%x: f32[4,8] {sharding = <@mesh, [{"data"}, {}]>}, %w: f32[8,16]) -> (f32[4,16]) {
  %h = einsum(%x, %w) {spec = "bm,mh->bh"} : f32[4,16]
  return %h
}
