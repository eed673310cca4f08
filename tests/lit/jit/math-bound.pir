// A fused chain with more than IrEmitter::kMaxInlinedMath (16) math calls in one root
// calls shared out-of-line copies (partita_tanh.outlined) instead of inlining ~60
// instructions per use, and each root stays its own (noinline) function, so code size and
// LLVM's time grow linearly with the program (tests/deep/deep_chain.py times 100,000 ops).
// A root with few math calls (emit.pir, the 8-op chain below) keeps them inline.
// RUN: partita-run %s --no-cache --check --emit-llvm %t.ll | FileCheck %s
// RUN: FileCheck %s --check-prefix=IR < %t.ll
// RUN: partita-run %s --no-cache --function short --emit-llvm %t.short.ll
// RUN: FileCheck %s --check-prefix=SHORT < %t.short.ll
// CHECK: check: {{.*}} PASS
// IR: define internal {{.*}}void @op0.neg({{.*}} #[[ATTR:[0-9]+]]
// IR: call {{.*}}float @partita_tanh.outlined(
// IR: define internal {{.*}}float @partita_tanh.outlined(float
// IR: attributes #[[ATTR]] = { {{.*}}noinline
// SHORT-NOT: outlined

func @main(%x: f32[64]) -> (f32[64]) {
  %v0 = exp(%x) : f32[64]
  %v1 = tanh(%v0) : f32[64]
  %v2 = neg(%v1) : f32[64]
  %v3 = tanh(%v2) : f32[64]
  %v4 = neg(%v3) : f32[64]
  %v5 = tanh(%v4) : f32[64]
  %v6 = neg(%v5) : f32[64]
  %v7 = tanh(%v6) : f32[64]
  %v8 = neg(%v7) : f32[64]
  %v9 = tanh(%v8) : f32[64]
  %v10 = neg(%v9) : f32[64]
  %v11 = tanh(%v10) : f32[64]
  %v12 = neg(%v11) : f32[64]
  %v13 = tanh(%v12) : f32[64]
  %v14 = neg(%v13) : f32[64]
  %v15 = tanh(%v14) : f32[64]
  %v16 = neg(%v15) : f32[64]
  %v17 = tanh(%v16) : f32[64]
  %v18 = neg(%v17) : f32[64]
  %v19 = tanh(%v18) : f32[64]
  %v20 = neg(%v19) : f32[64]
  %v21 = tanh(%v20) : f32[64]
  %v22 = neg(%v21) : f32[64]
  %v23 = tanh(%v22) : f32[64]
  %v24 = neg(%v23) : f32[64]
  %v25 = tanh(%v24) : f32[64]
  %v26 = neg(%v25) : f32[64]
  %v27 = tanh(%v26) : f32[64]
  %v28 = neg(%v27) : f32[64]
  %v29 = tanh(%v28) : f32[64]
  %v30 = neg(%v29) : f32[64]
  %v31 = tanh(%v30) : f32[64]
  %v32 = neg(%v31) : f32[64]
  %v33 = tanh(%v32) : f32[64]
  %v34 = neg(%v33) : f32[64]
  %v35 = tanh(%v34) : f32[64]
  %v36 = neg(%v35) : f32[64]
  %v37 = tanh(%v36) : f32[64]
  %v38 = neg(%v37) : f32[64]
  %v39 = tanh(%v38) : f32[64]
  %v40 = neg(%v39) : f32[64]
  return %v40
}

func @short(%x: f32[64]) -> (f32[64]) {
  %v0 = exp(%x) : f32[64]
  %v1 = tanh(%v0) : f32[64]
  %v2 = neg(%v1) : f32[64]
  %v3 = tanh(%v2) : f32[64]
  %v4 = neg(%v3) : f32[64]
  %v5 = tanh(%v4) : f32[64]
  %v6 = neg(%v5) : f32[64]
  %v7 = tanh(%v6) : f32[64]
  %v8 = neg(%v7) : f32[64]
  return %v8
}
