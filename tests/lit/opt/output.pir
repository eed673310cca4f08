// -o writes the module (which parses back to the same text); -o naming the input is
// refused; a failed run leaves no output file behind.
// RUN: rm -f %t.out %t.bad
// RUN: partita-opt %s -o %t.out
// RUN: FileCheck %s --input-file=%t.out
// RUN: partita-opt %t.out | diff - %t.out
// RUN: cp %t.out %t.copy
// RUN: not partita-opt %t.copy -o %t.copy 2>&1 | FileCheck %s --check-prefix=SAME
// RUN: diff %t.copy %t.out
// RUN: echo "func @main(" | not partita-opt - -o %t.bad 2>&1 | FileCheck %s --check-prefix=STDIN
// RUN: not test -e %t.bad
// An existing output survives a failed run untouched.
// RUN: echo "garbage" | not partita-opt - -o %t.out
// RUN: diff %t.copy %t.out
// Non-regular targets are written in place.
// RUN: partita-opt %s -o /dev/null
// RUN: test -c /dev/null

// CHECK: func @main(%x: f32[4]) -> (f32[4]) {
// CHECK-NEXT: %y = exp(%x) : f32[4]
// CHECK-NEXT: return %y
// SAME: partita-opt: error: refusing to overwrite the input file
// STDIN: <stdin>:1:{{[0-9]+}}: error: expected an argument

func @main(%x: f32[4]) -> (f32[4]) {
  %y = exp(%x) : f32[4]
  return %y
}
