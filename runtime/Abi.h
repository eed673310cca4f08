// The contract between generated code and the C++ runtime: the context every compiled
// per-device function receives, and the extern "C" entry points it calls (collectives,
// the einsum kernel, byte-block transposes, scalar helpers). Plain C types only; the code
// generator builds its LLVM view of PartitaCtx from partita::abi::kCtxFields below, which
// static_asserts tie to this struct's real layout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

extern "C" {

// One root op's execution: index into LoweredFunc::ops, steady-clock nanoseconds.
struct PartitaTraceEvent {
  int64_t op, begin, end;
};
// Events are appended while count < capacity (later ones are dropped).
struct PartitaTrace {
  PartitaTraceEvent *events;
  int64_t count, capacity;
};

// Generated code reads fields through partita::abi::kCtxFields (below); keep both in step.
struct PartitaCtx {
  void *workspace;       // the buffer plan's arena (Executable::workspaceBytes)
  const int64_t *coords; // this device's mesh coordinates, in mesh axis order
  void *collectives;     // a partita::Collectives *, nullptr when the program has none
  int64_t device;        // this device's number (row-major over the mesh)
  // --profile: nanoseconds spent in each root op (indexed like LoweredFunc::ops) are added
  // here by partita_rt_profile_mark; null when the program was compiled without profiling.
  int64_t *profile;
  int64_t profileLast; // steady-clock nanoseconds of the previous mark
  // --trace: partita_rt_profile_mark also appends one event per root op here; null
  // otherwise. Generated code never reads it.
  PartitaTrace *trace;
};


// The signature of every compiled function.
typedef void (*PartitaEntryFn)(void **args, void **results, PartitaCtx *ctx);

// One whole collective op: `desc` is CollectivePlan::encode() of the op's plan
// (ir/CollectivePlan.h), `scratch` holds the plan's scratchBytes (64-byte aligned offsets;
// may be null when that is 0). Block swaps and the flat exchange below happen inside.
void partita_rt_collective(PartitaCtx *ctx, const int64_t *desc, const void *in, void *out,
                           void *scratch);

// An async collective (docs/runtime.md): _start begins the plan's exchange in request slot
// `slot` (its operand, result and scratch stay untouched until the wait), _wait completes
// slot `slot`, _progress lets exchanges in flight advance between ops.
void partita_rt_collective_start(PartitaCtx *ctx, const int64_t *desc, const void *in, void *out,
                                 void *scratch, int64_t slot);
void partita_rt_collective_wait(PartitaCtx *ctx, int64_t slot);
void partita_rt_collective_progress(PartitaCtx *ctx);

// out[b][a][:] = in[a][b][:] for blocks of `bytes` bytes: the packing step of collectives
// that work along a non-leading dimension (runCollectivePlan; not called by generated code).
void partita_kernel_swap01(const void *in, void *out, int64_t a, int64_t b, int64_t bytes);
// Einsum as batched GEMM; `desc` is the plan built by the code generator (see Kernels.cpp).
void partita_kernel_einsum(const int64_t *desc, const void *a, const void *b, void *out,
                           void *scratch);
// Runs task(env, begin, end) over parts of [0, n) (each at least `grain` long) on the
// runtime's threads (runtime/Parallel.h); returns when all parts are done.
void partita_rt_parallel_for(void (*task)(void **, int64_t, int64_t), void **env, int64_t n,
                             int64_t grain);
// Profiling (programs lowered with LowerOptions::profile): adds the time since the previous
// mark to ctx->profile[op] (op < 0 only starts the clock).
void partita_rt_profile_mark(PartitaCtx *ctx, int64_t op);
// i32 pow with the interpreter's semantics (wrapping; see Kernels.cpp).
int32_t partita_rt_pow_i32(int32_t a, int32_t b);
}

namespace partita {

namespace abi {
// What generated code assumes about PartitaCtx: one entry per field, in order. The code
// generator builds the LLVM struct type from the types here (runtime/IrEmitter.cpp), and
// LLVM lays it out like a C struct: each field at the next multiple of its alignment.
enum class FieldType { Ptr, I64 };
struct Field {
  FieldType type;
  size_t offset, size; // offsetof and sizeof in the C++ struct
};
enum CtxField : unsigned {
  kCtxWorkspace,
  kCtxCoords,
  kCtxCollectives,
  kCtxDevice,
  kCtxProfile,
  kCtxProfileLast,
  kCtxTrace,
  kCtxFieldCount
};
inline constexpr Field kCtxFields[kCtxFieldCount] = {
    {FieldType::Ptr, offsetof(PartitaCtx, workspace), sizeof(PartitaCtx::workspace)},
    {FieldType::Ptr, offsetof(PartitaCtx, coords), sizeof(PartitaCtx::coords)},
    {FieldType::Ptr, offsetof(PartitaCtx, collectives), sizeof(PartitaCtx::collectives)},
    {FieldType::I64, offsetof(PartitaCtx, device), sizeof(PartitaCtx::device)},
    {FieldType::Ptr, offsetof(PartitaCtx, profile), sizeof(PartitaCtx::profile)},
    {FieldType::I64, offsetof(PartitaCtx, profileLast), sizeof(PartitaCtx::profileLast)},
    {FieldType::Ptr, offsetof(PartitaCtx, trace), sizeof(PartitaCtx::trace)},
};

constexpr size_t fieldBytes(FieldType t) { return t == FieldType::Ptr ? sizeof(void *) : 8; }

// The offset LLVM gives field `i` of the struct built from kCtxFields (natural alignment;
// every field type here is as aligned as it is large).
constexpr size_t llvmFieldOffset(unsigned i) {
  size_t off = 0;
  for (unsigned k = 0;; ++k) {
    size_t b = fieldBytes(kCtxFields[k].type);
    off = (off + b - 1) / b * b;
    if (k == i) return off;
    off += b;
  }
}

// Every described field sits where LLVM will look for it...
constexpr bool ctxFieldsMatchLlvm() {
  for (unsigned i = 0; i < kCtxFieldCount; ++i)
    if (kCtxFields[i].offset != llvmFieldOffset(i) ||
        kCtxFields[i].size != fieldBytes(kCtxFields[i].type))
      return false;
  return true;
}
static_assert(ctxFieldsMatchLlvm(), "kCtxFields disagrees with PartitaCtx's layout");
// ...and each CtxField index names the field it claims to.
static_assert(sizeof(void *) == 8 && sizeof(int64_t) == 8, "64-bit hosts only");
static_assert(offsetof(PartitaCtx, workspace) == llvmFieldOffset(kCtxWorkspace));
static_assert(offsetof(PartitaCtx, coords) == llvmFieldOffset(kCtxCoords));
static_assert(offsetof(PartitaCtx, collectives) == llvmFieldOffset(kCtxCollectives));
static_assert(offsetof(PartitaCtx, device) == llvmFieldOffset(kCtxDevice));
static_assert(offsetof(PartitaCtx, profile) == llvmFieldOffset(kCtxProfile));
static_assert(offsetof(PartitaCtx, profileLast) == llvmFieldOffset(kCtxProfileLast));
static_assert(offsetof(PartitaCtx, trace) == llvmFieldOffset(kCtxTrace));
static_assert(sizeof(PartitaCtx) == llvmFieldOffset(kCtxFieldCount - 1) +
                                        fieldBytes(kCtxFields[kCtxFieldCount - 1].type),
              "PartitaCtx has a field kCtxFields does not describe");
} // namespace abi

// Name and address of every entry point above (and the libc/libm functions generated code
// may call), for registration with the JIT.
const std::vector<std::pair<std::string, void *>> &runtimeSymbols();
} // namespace partita
