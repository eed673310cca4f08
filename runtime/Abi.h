// The contract between generated code and the C++ runtime: the context every compiled
// per-device function receives, and the extern "C" entry points it calls (collectives,
// the einsum kernel, byte-block transposes, scalar helpers). Plain C types only, so the
// code generator can mirror the layout in LLVM IR.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

extern "C" {

// Field order and types are mirrored by runtime/Codegen.cpp (kCtx* constants).
struct PartitaCtx {
  void *workspace;       // the buffer plan's arena (Executable::workspaceBytes)
  const int64_t *coords; // this device's mesh coordinates, in mesh axis order
  void *collectives;     // a partita::Collectives *, nullptr when the program has none
  int64_t device;        // this device's number (row-major over the mesh)
  // --profile: nanoseconds spent in each root op (indexed like LoweredFunc::ops) are added
  // here by partita_rt_profile_mark; null when the program was compiled without profiling.
  int64_t *profile;
  int64_t profileLast; // steady-clock nanoseconds of the previous mark
};

// The signature of every compiled function.
typedef void (*PartitaEntryFn)(void **args, void **results, PartitaCtx *ctx);

// One whole collective op: `desc` is CollectivePlan::encode() of the op's plan
// (ir/CollectivePlan.h), `scratch` holds the plan's scratchBytes (64-byte aligned offsets;
// may be null when that is 0). Block swaps and the flat exchange below happen inside.
void partita_rt_collective(PartitaCtx *ctx, const int64_t *desc, const void *in, void *out,
                           void *scratch);

// The flat exchanges of a plan, over the group spanned by mesh axes `axes[0..naxes)` (major
// first). dtype is (int)partita::DType; reduction is (int)partita::Reduction. Buffers never
// overlap.
void partita_rt_all_reduce(PartitaCtx *ctx, const int64_t *axes, int64_t naxes, const void *in,
                           void *out, int64_t count, int32_t dtype, int32_t reduction);
// out = the members' `bytes`-sized inputs, concatenated in group order.
void partita_rt_all_gather(PartitaCtx *ctx, const int64_t *axes, int64_t naxes, const void *in,
                           void *out, int64_t bytes);
// in holds group-size pieces of `count` elements; out = the reduction of this member's piece.
void partita_rt_reduce_scatter(PartitaCtx *ctx, const int64_t *axes, int64_t naxes, const void *in,
                               void *out, int64_t count, int32_t dtype, int32_t reduction);
// in holds group-size pieces of `bytes`; piece i goes to member i, out[j] comes from member j.
void partita_rt_all_to_all(PartitaCtx *ctx, const int64_t *axes, int64_t naxes, const void *in,
                           void *out, int64_t bytes);
// Sends `in` to the member `shift` places later (ring), receives from `shift` places earlier.
void partita_rt_collective_permute(PartitaCtx *ctx, const int64_t *axes, int64_t naxes,
                                   const void *in, void *out, int64_t bytes, int64_t shift);

// out[b][a][:] = in[a][b][:] for blocks of `bytes` bytes: the packing step of collectives
// that work along a non-leading dimension.
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
// Name and address of every entry point above (and the libc/libm functions generated code
// may call), for registration with the JIT.
const std::vector<std::pair<std::string, void *>> &runtimeSymbols();
} // namespace partita
