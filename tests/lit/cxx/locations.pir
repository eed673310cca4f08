// C++ source locations through the text format. partita-import-cxx ends every op and
// argument with loc("FILE.cpp":LINE:COL); partita-opt and partita-run read them back, keep
// them through passes, and their diagnostics name the C++ position instead of the .pir line.
// This file is itself such a module (at made-up positions of a model.cpp), full of errors.
//
// RUN: partita-import-cxx %S/Inputs/locations.cpp | FileCheck %s --check-prefix=IMPORT
// IMPORT: func @main(%x: f32[4,8] loc("{{[^"]*}}locations.cpp":14:47), %w: f32[8,8] loc("{{[^"]*}}locations.cpp":14:68), %ids: i32[4] {bound = 8} loc("{{[^"]*}}locations.cpp":15:61)) -> (f32[4,8], f32[8]) {
// IMPORT-NEXT: %y = sharding_constraint(%x) {sharding = <@mesh, [{"data"}, {}]>} : f32[4,8] loc("{{[^"]*}}locations.cpp":16:12)
// A helper's ops are at the helper's lines (where they are written, not where it is called).
// IMPORT-NEXT: %y.1 = einsum(%y, %w) {spec = "bm,mh->bh"} : f32[4,8] loc("{{[^"]*}}locations.cpp":11:15)
// IMPORT-NEXT: %y.2 = gelu(%y.1) : f32[4,8] loc("{{[^"]*}}locations.cpp":11:10)
// IMPORT-NEXT: %y.3 = take(%w, %ids) {axis = 0} : f32[4,8] loc("{{[^"]*}}locations.cpp":17:21)
// An operator is at its token.
// IMPORT-NEXT: %y.4 = add(%y.2, %y.3) : f32[4,8] loc("{{[^"]*}}locations.cpp":17:19)
// IMPORT-NEXT: %total = reduce_sum(%y.4) {dims = [0]} : f32[8] loc("{{[^"]*}}locations.cpp":21:16)
// IMPORT-NEXT: return %y.4, %total
//
// --no-locs leaves them out.
// RUN: partita-import-cxx %S/Inputs/locations.cpp --no-locs | FileCheck %s --check-prefix=NOLOCS
// NOLOCS: func @main(%x: f32[4,8], %w: f32[8,8], %ids: i32[4] {bound = 8}) -> (f32[4,8], f32[8]) {
// NOLOCS-NOT: loc(
//
// Partitioning keeps them (and the printed module runs).
// RUN: partita-import-cxx %S/Inputs/locations.cpp | partita-opt --partition -o %t.part.pir
// RUN: FileCheck %s --check-prefix=PART < %t.part.pir
// PART: %ids: i32[2] {bound = 8, global = i32[4], sharding = <@mesh, [{"data"}]>} loc("{{[^"]*}}locations.cpp":15:61)
// PART: %y.4 = add(%y.2, %y.3) : f32[2,8] loc("{{[^"]*}}locations.cpp":17:19)
// RUN: partita-import-cxx %S/Inputs/locations.cpp -o %t.pir
// RUN: partita-run %t.pir --simulate --check 2>&1 | FileCheck %s --check-prefix=EXEC
// EXEC-NOT: error
// EXEC: check: {{.*}} PASS
//
// The partitioner's full-replication warning: at the C++ call that asks for the move.
// RUN: partita-import-cxx %S/Inputs/replication.cpp | partita-opt --partition -o %t.repl.pir 2>&1 | FileCheck %s --check-prefix=REPL
// REPL: replication.cpp:12:10: warning: resharding %{{[a-z0-9.]+}} (f32[12]) from <@mesh, [{"a"}]> to <@mesh, [{"b"}]> goes through full replication: 48 bytes per device
//
// A propagation error through the pipe: at the C++ call of the second mesh's shard.
// RUN: partita-import-cxx %S/Inputs/locations.cpp -- -DTWO_MESHES | not partita-opt --partition 2>&1 | FileCheck %s --check-prefix=MESHES
// MESHES: locations.cpp:19:7: error: function @main uses shardings over two meshes (@mesh and @other); a function is partitioned over one mesh
//
// Verifier errors in an imported module edited by hand: at the C++ positions of the ops...
// RUN: partita-import-cxx %S/Inputs/locations.cpp | sed -e 's/gelu(%%y.1) : f32\[4,8\]/gelu(%%y.1) : f32[4,9]/' | not partita-opt 2>&1 | FileCheck %s --check-prefix=EDITED
// EDITED: locations.cpp:11:10: error: declared result type f32[4,9] of 'gelu' does not match the inferred type f32[4,8]
// EDITED-NEXT: locations.cpp:17:19: error: operands of 'add' have different shapes: f32[4,9] and f32[4,8]
// ... and at the .pir lines without locations.
// RUN: partita-import-cxx %S/Inputs/locations.cpp --no-locs | sed -e 's/gelu(%%y.1) : f32\[4,8\]/gelu(%%y.1) : f32[4,9]/' | not partita-opt 2>&1 | FileCheck %s --check-prefix=EDITED-PIR
// EDITED-PIR: <stdin>:7:3: error: declared result type f32[4,9] of 'gelu'
// EDITED-PIR-NEXT: <stdin>:9:3: error: operands of 'add' have different shapes
//
// Every diagnostic about an op or argument with loc(...) uses it, those about its
// attributes and sharding included; without one (%w, loc(unknown)) or for the return,
// the .pir position stays.
// RUN: not partita-opt %s 2>&1 | FileCheck %s --check-prefix=DIAG
// RUN: not partita-run %s --simulate 2>&1 | FileCheck %s --check-prefix=DIAG
// DIAG: model.cpp:3:60: error: argument %ids: attribute 'bound' must be an integer in [1, 2^31]
// DIAG-NEXT: locations.pir:[[@LINE+10]]:37: error: argument %w: unknown axis "model"
// DIAG-NEXT: model.cpp:12:7: error: declared result type f32[4,3] of 'einsum' does not match the inferred type f32[4,2]
// DIAG-NEXT: model.cpp:13:9: error: attribute 'perm' of 'transpose' is not a permutation: [0,0]
// DIAG-NEXT: model.cpp:14:11: error: unknown axis "model" in a dimension sharding (mesh @mesh has no such axis): <@mesh, [{"model"}, {}]>
// DIAG-NEXT: model.cpp:15:3: error: axis "data" is used more than once in the sharding: <@mesh, [{"data"}, {"data"}]>
// DIAG-NEXT: locations.pir:[[@LINE+10]]:3: error: return value 0 (%t) has type f32[4,2] but @main declares result type f32[4,3]
mesh @mesh = <["data"=2]>

func @main(%x: f32[4,8] {sharding = <@mesh, [{"data"}, {}]>} loc("model.cpp":3:40),
           %ids: i32[4] {bound = 0} loc("model.cpp":3:60),
           %w: f32[8,2] {sharding = <@mesh, [{"model"}, {}]>} loc(unknown)) -> (f32[4,3]) {
  %h = einsum(%x, %w) {spec = "bm,mh->bh"} : f32[4,3] loc("model.cpp":12:7)
  %g = transpose(%h) {perm = [0, 0]} : f32[4,2] loc("model.cpp":13:9)
  %s = sharding_constraint(%g) {sharding = <@mesh, [{"model"}, {}]>} : f32[4,2] loc("model.cpp":14:11)
  %t = neg(%s) {sharding = <@mesh, [{"data"}, {"data"}]>} : f32[4,2] loc("model.cpp":15:3)
  return %t
}
