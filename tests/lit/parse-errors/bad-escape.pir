// Strings know the escapes \\ \" \n \t \r and \xHH only; the error points at the backslash.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}bad-escape.pir:5:30: error: unknown escape sequence '\q' in string
func @main(%x: f32[4]) -> (f32[4]) {
  %y = neg(%x) {t.note = "abc\q"} : f32[4]
  return %y
}
