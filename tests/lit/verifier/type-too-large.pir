// Verifier: extents are below 2^31 (indices are i32) and the product of a type's extents,
// zero extents counted as 1, is at most 2^48, so strides, byte counts and shard sizes
// computed from it fit in int64 (an empty type with huge extents overflowed the
// interpreter's strides; a huge `global` the shard size).
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}type-too-large.pir:13:24: error: argument %y: type i1[0,1073741824,1073741824] is too large (the product of its extents exceeds 2^48)
// CHECK-NEXT: {{.*}}type-too-large.pir:14:3: error: type f32[4294967296] has an extent over 2^31-1 (indices are i32)
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

// The largest allowed type, f32[262144,1073741824] (2^48 elements), passes.
func @main(%x: f32[4], %y: i1[0,1073741824,1073741824], %z: f32[262144,1073741824]) -> (f32[4]) {
  %r = constant() {value = 0.0} : f32[4294967296]
  return %x
}
