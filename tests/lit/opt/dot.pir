// --dot writes a Graphviz graph of the output program: arguments, ops and results as
// nodes, data flow as edges, the collective coloured by kind. A partitioned program's
// types are per device; values whose propagated sharding gives exactly that type are
// labelled with their global type and sharding, and the einsum that leaves a pending sum
// says so. The output is deterministic, and '-' puts it on stdout after the module.
// RUN: partita-opt %s --partition --dot %t.dot -o %t.part
// RUN: FileCheck %s --input-file=%t.dot
// RUN: partita-opt %s --partition --dot=%t.again -o /dev/null
// RUN: diff %t.dot %t.again
// RUN: partita-opt %s --partition --dot - | FileCheck %s --check-prefix=STDOUT
// Without a pipeline the graph shows the input and its annotations.
// RUN: partita-opt %s --dot=- -o /dev/null | FileCheck %s --check-prefix=INPUT
// After propagation every value has its sharding.
// RUN: partita-opt %s --propagate-sharding --dot=- -o /dev/null | FileCheck %s --check-prefix=PROP

// CHECK: digraph "module" {
// CHECK: label="@main: the per-device program of @mesh (data=2, model=2); types are per device";
// CHECK-NEXT: a0 [label="%x\nf32[2,8]\nglobal f32[4,8] [{data}, {}]", shape=ellipse, style=filled, fillcolor="#eeeeee"];
// CHECK-NEXT: a1 [label="%w1\nf32[8,8]\nglobal f32[8,16] [{}, {model}]", shape=ellipse,
// CHECK-NEXT: a2 [label="%w2\nf32[8,8]\nglobal f32[16,8] [{model}, {}]", shape=ellipse,
// CHECK-NEXT: n0 [label="%h = einsum\nspec=bm,mh->bh\nf32[2,8]\nglobal f32[4,16] [{data}, {model}]", shape=box, style=filled, fillcolor="#fffbe6"];
// CHECK-NEXT: n1 [label="%g = gelu\nf32[2,8]\nglobal f32[4,16] [{data}, {model}]", shape=box];
// CHECK-NEXT: n2 [label="%y = einsum\nspec=bh,hm->bm\nf32[2,8]\npartial sum over {model}", shape=box,
// CHECK-NEXT: n3 [label="%y.rs = reduce_scatter\naxes=[model], dim=1, reduction=sum\nf32[2,4]", shape=box, style="filled,bold", fillcolor="#d5e8d4", color="#82b366"];
// CHECK-NEXT: r0 [label="result 0\nf32[2,4]\nglobal f32[4,8] [{data}, {model}]", shape=ellipse, style=filled, fillcolor="#eeeeee", peripheries=2];
// CHECK-NEXT: a0 -> n0;
// CHECK-NEXT: a1 -> n0;
// CHECK-NEXT: n0 -> n1;
// CHECK-NEXT: n1 -> n2;
// CHECK-NEXT: a2 -> n2;
// CHECK-NEXT: n2 -> n3;
// CHECK-NEXT: n3 -> r0;
// CHECK-NEXT: }

// STDOUT: attributes {partitioned = @mesh}
// STDOUT: return %y.rs
// STDOUT: digraph "module" {
// STDOUT: n3 -> r0;

// INPUT: label="@main";
// INPUT: a0 [label="%x\nf32[4,8]\n[{data}, {}]",
// INPUT: n0 [label="%h = einsum\nspec=bm,mh->bh\nf32[4,16]", shape=box,
// INPUT: r0 [label="result 0\nf32[4,8]\n[{data}, {model}]",
// INPUT-NOT: reduce_scatter

// PROP: n0 [label="%h = einsum\nspec=bm,mh->bh\nf32[4,16]\n[{data}, {model}]",
// PROP: n2 [label="%y = einsum\nspec=bh,hm->bm\nf32[4,8]\n[{data}, {model}]",

mesh @mesh = <["data"=2, "model"=2]>

func @main(%x: f32[4,8] {sharding = <@mesh, [{"data"}, {}]>},
           %w1: f32[8,16] {sharding = <@mesh, [{}, {"model"}]>},
           %w2: f32[16,8] {sharding = <@mesh, [{"model"}, {}]>})
    -> (f32[4,8] {sharding = <@mesh, [{"data"}, {"model"}]>}) {
  %h = einsum(%x, %w1) {spec = "bm,mh->bh"} : f32[4,16]
  %g = gelu(%h) : f32[4,16]
  %y = einsum(%g, %w2) {spec = "bh,hm->bm"} : f32[4,8]
  return %y
}
