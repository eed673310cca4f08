// A character that starts no token.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}bad-character.pir:5:16: error: unexpected character '$'
func @main(%x: f32[4]) -> (f32[4]) {
  %y = neg(%x) $ : f32[4]
  return %y
}
