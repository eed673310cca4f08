// Importing C++ models: a helper inlined per loop iteration, a sharded batch, constexpr
// loop bounds, if on compile-time values, a template helper; then partitioning and running
// the result. Exact IR is checked with --no-locs (locations.pir checks the locations).
// RUN: partita-import-cxx %S/Inputs/mlp.cpp --no-locs | FileCheck %s --check-prefix=MLP
// MLP: mesh @mesh = <["data"=2, "model"=2]>
// MLP: func @main(%x: f32[8,16], %w: f32[16,16]) -> (f32[8,16]) {
// MLP-NEXT: %y = sharding_constraint(%x) {sharding = <@mesh, [{"data"}, {}]>} : f32[8,16]
// MLP-NEXT: %h = einsum(%y, %w) {spec = "bm,mh->bh"} : f32[8,16]
// MLP-NEXT: %y.1 = gelu(%h) : f32[8,16]
// MLP-NEXT: %h.1 = einsum(%y.1, %w) {spec = "bm,mh->bh"} : f32[8,16]
// MLP-NEXT: %y.2 = gelu(%h.1) : f32[8,16]
// MLP-NEXT: %v = constant() {value = 0.5} : f32[8,16]
// MLP-NEXT: %v.1 = mul(%y.2, %v) : f32[8,16]
// MLP-NEXT: return %v.1
// The imported module partitions and runs like hand-written IR.
// RUN: partita-import-cxx %S/Inputs/mlp.cpp | partita-opt --partition | FileCheck %s --check-prefix=PART
// PART: func @main(%x: f32[4,16] {global = f32[8,16], sharding = <@mesh, [{"data"}, {}]>}
// PART-SAME: attributes {partitioned = @mesh}
// RUN: partita-import-cxx %S/Inputs/mlp.cpp -o %t.mlp.pir
// RUN: partita-run %t.mlp.pir --simulate --check | FileCheck %s --check-prefix=EXEC
// EXEC: check: {{.*}} PASS
// In-process partitioning gives the same per-device program.
// RUN: partita-import-cxx %S/Inputs/mlp.cpp --partition | FileCheck %s --check-prefix=PART
//
// RUN: partita-import-cxx %S/Inputs/loops.cpp --no-locs | FileCheck %s --check-prefix=LOOPS
// LOOPS: func @main(%x: f32[2,3]) -> (f32[2]) {
// LOOPS-NEXT: %y = exp(%x)
// LOOPS-NEXT: %y.1 = exp(%y)
// LOOPS-NEXT: %y.2 = constant() {value = 12.0} : f32[2,3]
// LOOPS-NEXT: %y.3 = add(%y.1, %y.2)
// LOOPS-NEXT: %y.4 = constant() {value = 9.0}
// LOOPS-NEXT: %y.5 = add(%y.3, %y.4)
// LOOPS-NEXT: %y.6 = constant() {value = 6.0}
// LOOPS-NEXT: %y.7 = add(%y.5, %y.6)
// LOOPS-NEXT: %y.8 = constant() {value = 3.0}
// LOOPS-NEXT: %y.9 = add(%y.7, %y.8)
// repeat<sizeof(int16_t)>: two iterations of the template helper, by 1.0 / kHalving.
// LOOPS-NEXT: %r = constant() {value = 0.5} : f32[2,3]
// LOOPS-NEXT: %r.1 = mul(%y.9, %r)
// LOOPS-NEXT: %r.2 = constant() {value = 0.5} : f32[2,3]
// LOOPS-NEXT: %r.3 = mul(%r.1, %r.2)
// LOOPS-NEXT: %v = reduce_sum(%r.3) {dims = [1]} : f32[2]
// LOOPS-NEXT: return %v
//
// The GLaM example (a dense and an MoE layer, 2D layout) partitions with all-to-alls
// over "data" for the experts, which carry the C++ location of the einsum they serve, and
// runs correctly (glam_compare.pir compares it with partita-glam).
// RUN: partita-import-cxx %S/../../../examples/cxx/glam_block.cpp | partita-opt --partition | FileCheck %s --check-prefix=GLAM
// GLAM: attributes {partitioned = @mesh}
// GLAM: all_to_all({{.*}} loc("{{[^"]*}}glam_block.cpp":{{[0-9]+}}:{{[0-9]+}})
// RUN: partita-import-cxx %S/../../../examples/cxx/glam_block.cpp -o %t.glam.pir
// RUN: partita-run %t.glam.pir --simulate --check | FileCheck %s --check-prefix=EXEC
