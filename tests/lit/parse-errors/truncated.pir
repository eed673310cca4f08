// A file cut off in the middle of a statement: the error is at the end of the last
// token, wherever trailing blank lines or comments put the physical end of the file.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}truncated.pir:7:15: error: expected a value such as %name but found end of file
func @main(%x: f32[4,8]) -> (f32[4,8]) {
  %a = exp(%x) : f32[4,8]
  %b = add(%a,

// trailing comment
