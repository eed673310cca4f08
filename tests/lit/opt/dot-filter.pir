// --dot-filter keeps the values whose names start with one of its prefixes; what feeds them
// from elsewhere becomes a dashed boundary node, and only results computed inside the
// filter are drawn. --dot-compact keeps contractions, reductions, values used twice,
// arguments and results, and dashes the edges that skip the elided ops; constants vanish.
// Several functions are drawn as clusters with per-function node ids.
// RUN: partita-opt %s --dot=- -o /dev/null --dot-filter=blk. | FileCheck %s --check-prefix=FILTER
// RUN: partita-opt %s --dot=- -o /dev/null --dot-compact | FileCheck %s --check-prefix=COMPACT
// RUN: partita-opt %s --dot=- -o /dev/null --dot-compact --dot-filter=blk. | FileCheck %s --check-prefix=BOTH
// RUN: partita-opt %s --dot=- -o /dev/null --dot-filter=%%q,nomatch | FileCheck %s --check-prefix=MULTI

// FILTER: subgraph "cluster_0" {
// FILTER-NEXT: label="@main";
// FILTER-NEXT: f0_n0 [label="%pre.a\nf32[4,8]", shape=box, style="dashed,rounded", color="#888888", fontcolor="#555555"];
// FILTER-NEXT: f0_n1 [label="%blk.h = einsum\nspec=bm,mh->bh\nf32[4,8]", shape=box, style=filled, fillcolor="#fffbe6"];
// FILTER-NEXT: f0_n2 [label="%blk.c = constant\nvalue=2.0{{0*}}\nf32[4,8]", shape=box];
// FILTER: f0_n7 [label="%blk.p = compare\ndirection=lt\ni1[4,8]", shape=box];
// FILTER-NEXT: f0_n8 [label="%blk.u = select\nf32[4,8]", shape=box];
// FILTER-NEXT: f0_a1 [label="%w\nf32[8,8]", shape=box, style="dashed,rounded",
// FILTER-NEXT: f0_r1 [label="result 1\nf32[4]", shape=ellipse,
// FILTER-NEXT: f0_n0 -> f0_n1;
// FILTER-NEXT: f0_a1 -> f0_n1;
// FILTER: f0_n0 -> f0_n8;
// FILTER-NEXT: f0_n5 -> f0_r1;
// FILTER-NEXT: }
// FILTER-NEXT: }
// FILTER-NOT: n9
// FILTER-NOT: cluster_1

// COMPACT: label="@main";
// COMPACT-NEXT: f0_a0 [label="%x\nf32[4,8]", shape=ellipse,
// COMPACT-NEXT: f0_a1 [label="%w\nf32[8,8]", shape=ellipse,
// COMPACT-NEXT: f0_n0 [label="%pre.a = exp\nf32[4,8]", shape=box];
// COMPACT-NEXT: f0_n1 [label="%blk.h = einsum
// COMPACT-NEXT: f0_n4 [label="%blk.t = tanh\nf32[4,8]", shape=box];
// COMPACT-NEXT: f0_n5 [label="%blk.r = reduce_sum\ndims=[1]\nf32[4]", shape=box];
// COMPACT-NEXT: f0_r0 [label="result 0\nf32[4,8]",
// COMPACT-NEXT: f0_r1 [label="result 1\nf32[4]",
// COMPACT-NEXT: f0_a0 -> f0_n0;
// COMPACT-NEXT: f0_n0 -> f0_n1;
// COMPACT-NEXT: f0_a1 -> f0_n1;
// COMPACT-NEXT: f0_n1 -> f0_n4 [style=dashed];
// COMPACT-NEXT: f0_n4 -> f0_n5;
// COMPACT-NEXT: f0_n4 -> f0_r0 [style=dashed];
// COMPACT-NEXT: f0_n0 -> f0_r0 [style=dashed];
// COMPACT-NEXT: f0_n5 -> f0_r1;
// COMPACT-NEXT: }
// COMPACT-NEXT: subgraph "cluster_1" {
// COMPACT-NEXT: label="@other";
// COMPACT-NEXT: f1_a0 [label="%z\nf32[2]",
// COMPACT-NEXT: f1_r0 [label="result 0\nf32[2]",
// COMPACT-NEXT: f1_a0 -> f1_r0 [style=dashed];

// BOTH: f0_n0 [label="%pre.a\nf32[4,8]", shape=box, style="dashed,rounded"
// BOTH-NEXT: f0_n1 [label="%blk.h = einsum
// BOTH-NEXT: f0_n4 [label="%blk.t = tanh
// BOTH-NEXT: f0_n5 [label="%blk.r = reduce_sum
// BOTH-NEXT: f0_a1 [label="%w\nf32[8,8]", shape=box, style="dashed,rounded"
// BOTH-NEXT: f0_r1 [label="result 1\nf32[4]"
// BOTH-NEXT: f0_n0 -> f0_n1;
// BOTH-NEXT: f0_a1 -> f0_n1;
// BOTH-NEXT: f0_n1 -> f0_n4 [style=dashed];
// BOTH-NEXT: f0_n4 -> f0_n5;
// BOTH-NEXT: f0_n5 -> f0_r1;
// BOTH-NEXT: }

// MULTI-NOT: cluster_0
// MULTI: subgraph "cluster_1" {
// MULTI-NEXT: label="@other";
// MULTI-NEXT: f1_n0 [label="%q = abs\nf32[2]", shape=box];
// MULTI-NEXT: f1_a0 [label="%z\nf32[2]", shape=box, style="dashed,rounded"
// MULTI-NEXT: f1_r0 [label="result 0\nf32[2]"
// MULTI-NEXT: f1_a0 -> f1_n0;
// MULTI-NEXT: f1_n0 -> f1_r0;

func @main(%x: f32[4,8], %w: f32[8,8]) -> (f32[4,8], f32[4]) {
  %pre.a = exp(%x) : f32[4,8]
  %blk.h = einsum(%pre.a, %w) {spec = "bm,mh->bh"} : f32[4,8]
  %blk.c = constant() {value = 2.0} : f32[4,8]
  %blk.s = mul(%blk.h, %blk.c) : f32[4,8]
  %blk.t = tanh(%blk.s) : f32[4,8]
  %blk.r = reduce_sum(%blk.t) {dims = [1]} : f32[4]
  %blk.z = constant() {value = 0.0} : f32[4,8]
  %blk.p = compare(%blk.t, %blk.z) {direction = "lt"} : i1[4,8]
  %blk.u = select(%blk.p, %blk.t, %pre.a) : f32[4,8]
  %post = neg(%blk.u) : f32[4,8]
  return %post, %blk.r
}

func @other(%z: f32[2]) -> (f32[2]) {
  %q = abs(%z) : f32[2]
  return %q
}
