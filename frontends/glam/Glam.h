// The GLaM frontend: the decoder-only GLaM model (dense GLU layers interleaved with GShard
// top-2 mixture-of-experts layers) built in Partita IR, its paper presets, the sharding
// presets that annotate it for a data x model mesh, and model statistics counted on the
// built IR. See docs/glam.md.
#pragma once

#include "ir/IR.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace partita {

struct GlamConfig {
  std::string name = "custom";
  int64_t layers = 12;
  int64_t dModel = 768;
  int64_t ffn = 3072; // hidden size of the dense GLU and of each expert
  int64_t heads = 12;
  int64_t headDim = 64;
  int64_t experts = 0; // 0: dense model, every layer a GLU feed-forward
  int64_t vocab = 256000;
  int64_t batch = 8;
  int64_t seq = 1024;
  double capacityFactor = 2.0;
  int64_t groups = 0;   // MoE token groups; 0: one group per sequence (= batch)
  int64_t moeEvery = 2; // layers l with l % moeEvery == moeEvery - 1 are MoE layers
  DType activations = DType::F32;
  int64_t relBuckets = 32; // T5 relative position buckets (unidirectional)
  int64_t relMaxDistance = 128;
  double normEps = 1e-6;
  double auxLossWeight = 0.01;
  bool returnLogits = false; // buildGlam: also return the f32 logits [batch, seq, vocab]
  // Building a training step (partita-glam --train): loss and aux loss are returned in f32
  // whatever the activations, and every parameter carries its `train.init` rule.
  bool train = false;
  // Packed rows (docs/glam.md, "Packed batches"): @main also takes `segments` and
  // `positions`; attention stays within a segment, the relative position bias uses the
  // per-segment positions, and padding (segment 0) is out of the loss and the MoE routing.
  bool packed = false;

  bool isMoeLayer(int64_t layer) const { return experts > 0 && layer % moeEvery == moeEvery - 1; }
  int64_t numGroups() const { return groups > 0 ? groups : batch; }
  int64_t groupSize() const { return batch * seq / numGroups(); }
  // Expert capacity per group: ceil(capacityFactor * 2 * S / E), capped at S (with top-2 an
  // expert receives at most one slot per token, so larger buffers would stay empty).
  int64_t capacity() const;
};

// The paper's sizes: 0.1B, 0.1B/64E, 1.7B, 1.7B/32E ... 64B/64E.
const std::vector<std::string> &glamPresetNames();
std::optional<GlamConfig> glamPreset(const std::string &name);
// Empty when the configuration can be built; else a one-line reason.
std::string validateGlamConfig(const GlamConfig &c);

// Sharding presets over a mesh whose axes are named "data" and/or "model".
// TwoDFull is TwoD with dense, attention and embedding weights also split over "data"
// (one more dimension), gathered over "data" just before their use (docs/training.md,
// "Fitting 64B/64E"); expert weights are as in TwoD.
struct ShardingPreset {
  enum class Kind { None, Data, TwoD, TwoDFull } kind = Kind::None;
  std::vector<MeshAxis> mesh; // empty for Kind::None
};
std::optional<ShardingPreset::Kind> parseShardingKind(const std::string &s);
// Parses "data=2,model=2". On failure returns nullopt and sets *error.
std::optional<std::vector<MeshAxis>> parseMeshSpec(const std::string &s, std::string *error);

// Builds @main(ids, labels, parameters...) -> (loss, aux_loss), scalars of the activation
// dtype (computed in f32; f32 whatever the activations with `train`), plus the f32 logits
// [batch, seq, vocab] with `returnLogits`; with `packed`, @main(ids, labels, segments,
// positions, parameters...). Returns nullptr after adding an error to `diags` when the
// configuration or preset is invalid.
std::unique_ptr<Module> buildGlam(const GlamConfig &c, const ShardingPreset &p, Diagnostics &diags);

// The serving module (docs/inference.md), with a KV cache of `seq` positions per sequence:
//   @prefill(ids: i32[B,seq], length: i32[], parameters...)
//       -> (logits f32[B,V] at position length-1, layer<l>.k_cache, layer<l>.v_cache, ...)
//   @decode_step(ids: i32[B,1], pos: i32[], caches..., parameters...)
//       -> (logits f32[B,V] at `pos`, the caches with position `pos` written)
//   @main: the full-sequence forward of buildGlam with logits (the teacher-forcing
//       reference the other two must agree with; it keeps @main the module's entry).
// Caches are act[B, seq, heads, head_dim]. In @decode_step each new token's two experts are
// gathered rather than dispatched into capacity slots: nothing is dropped.
std::unique_ptr<Module> buildGlamDecode(const GlamConfig &c, const ShardingPreset &p,
                                        Diagnostics &diags);

// One MoE layer alone, built by the same code as buildGlam's MoE layers:
// @main(x: act[G,S,M], moe.gate: f32[M,E], moe.wi: f32[E,M,H], moe.wo: f32[E,H,M])
//   -> (y act[G,S,M], aux f32[], combine f32[G,S,E,C]). For tests and experiments.
std::unique_ptr<Module> buildGlamMoeLayer(const GlamConfig &c, const ShardingPreset &p,
                                          Diagnostics &diags);

// T5's unidirectional relative position bucket of a query `distance` tokens after its key.
int64_t relativePositionBucket(int64_t distance, int64_t buckets, int64_t maxDistance);

// Figures counted on a module built by buildGlam: parameter counts from the argument types
// (every argument but ids, labels, segments and positions is a parameter; `*.moe.wi` /
// `*.moe.wo` hold one slice per expert, of which top-2 are activated per token) and forward
// flops from its einsums.
struct GlamStats {
  int64_t tokens = 0;
  int64_t params = 0;
  int64_t paramsNonEmbedding = 0;
  int64_t activatedParams = 0;
  int64_t activatedParamsNonEmbedding = 0;
  int64_t flops = 0; // 2 per multiply-add of every einsum, whole batch
  double flopsPerToken() const { return tokens ? (double)flops / (double)tokens : 0; }
  // Serving modules (buildGlamDecode): einsum flops of one @decode_step, per new token.
  double decodeFlopsPerToken = 0;
};
GlamStats countGlamStats(const Module &m);
std::string glamStatsJson(const GlamConfig &c, const GlamStats &s);

} // namespace partita
