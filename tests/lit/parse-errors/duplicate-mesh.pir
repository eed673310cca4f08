// Two meshes with one name.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}duplicate-mesh.pir:5:6: error: redefinition of mesh @m
mesh @m = <["a"=2]>
mesh @m = <["b"=2]>
