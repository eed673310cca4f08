// The on-disk object cache: the first run compiles, the second loads the cached object and
// compiles nothing, --no-cache compiles again; all three print the same results.
// RUN: rm -rf %t.cache
// RUN: partita-run %s --cache-dir %t.cache --verbose 2>&1 | FileCheck %s --check-prefixes=COLD,RES
// RUN: partita-run %s --cache-dir %t.cache --verbose 2>&1 | FileCheck %s --check-prefixes=WARM,RES
// RUN: partita-run %s --cache-dir %t.cache --no-cache --verbose 2>&1 | FileCheck %s --check-prefixes=COLD,RES
// COLD: jit: compiled module
// WARM: jit: cached module
// RES: result0: f32[2,2] [3, 2, 7, 4] sum=16
func @main() -> (f32[2,2]) {
  %a = constant() {value = [[1.0, 2.0], [3.0, 4.0]]} : f32[2,2]
  %b = constant() {value = [[1.0, 0.0], [1.0, 1.0]]} : f32[2,2]
  %c = einsum(%a, %b) {spec = "ij,jk->ik"} : f32[2,2]
  return %c
}
