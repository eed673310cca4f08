// --time-passes reports on stderr the wall and CPU time of parsing, of each pass in
// pipeline order, of the verifier runs between passes, and of printing; the module still
// goes to the output. Without a pipeline only parsing and printing are timed; when a pass
// fails, the steps up to it are still reported after the error.
// RUN: partita-opt %s --partition --time-passes -o %t 2>&1 | FileCheck %s
// RUN: FileCheck %s --check-prefix=OUT --input-file=%t
// RUN: partita-opt %s --time-passes 2>&1 >/dev/null | FileCheck %s --check-prefix=NOPIPE
// RUN: sed -e 's/%%b: f32\[8,3\])/%%b: f32[8,3] {sharding = <@other, [{}, {}]>})/' -e 's/^mesh @mesh.*/&\nmesh @other = <["y"=2]>/' %s | not partita-opt - --partition --time-passes 2>&1 | FileCheck %s --check-prefix=FAIL

// CHECK:      time in ms wall CPU
// CHECK-NEXT: parse and verify the input {{[0-9]+\.[0-9] [0-9]+\.[0-9]$}}
// CHECK-NEXT: propagate-sharding {{[0-9]+\.[0-9] [0-9]+\.[0-9]$}}
// CHECK-NEXT: spmd-partition {{[0-9]+\.[0-9] [0-9]+\.[0-9]$}}
// CHECK-NEXT: cse {{[0-9]+\.[0-9] [0-9]+\.[0-9]$}}
// CHECK-NEXT: merge-collectives {{[0-9]+\.[0-9] [0-9]+\.[0-9]$}}
// CHECK-NEXT: dce {{[0-9]+\.[0-9] [0-9]+\.[0-9]$}}
// CHECK-NEXT: combine-collectives {{[0-9]+\.[0-9] [0-9]+\.[0-9]$}}
// CHECK-NEXT: remat {{[0-9]+\.[0-9] [0-9]+\.[0-9]$}}
// CHECK-NEXT: verifier {{[0-9]+\.[0-9] [0-9]+\.[0-9]$}}
// CHECK-NEXT: print {{[0-9]+\.[0-9] [0-9]+\.[0-9]$}}
// CHECK-NEXT: total {{[0-9]+\.[0-9] [0-9]+\.[0-9]$}}
// OUT: all_reduce

// NOPIPE:      time in ms
// NOPIPE-NEXT: parse and verify the input
// NOPIPE-NEXT: print
// NOPIPE-NEXT: total

// FAIL:      error: function @main uses shardings over two meshes
// FAIL-NEXT: time in ms
// FAIL-NEXT: parse and verify the input
// FAIL-NEXT: propagate-sharding
// FAIL-NEXT: total
mesh @mesh = <["x"=2]>

func @main(%a: f32[4,8] {sharding = <@mesh, [{}, {"x"}]>}, %b: f32[8,3]) -> (f32[4,3]) {
  %y = einsum(%a, %b) {spec = "ij,jk->ik"} : f32[4,3]
  return %y
}
