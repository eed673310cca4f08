// GLaM's two kinds of decoder layer as one tiny, complete model written against
// partita/model.h: layer 0 is attention plus a dense GLU feed-forward, layer 1 attention plus
// a GShard top-2 mixture-of-experts feed-forward, between a tied embedding and the softmax
// cross-entropy loss. It computes what this command's model computes (docs/glam.md), with
// the same ops on the same values,
//   partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 2 --head-dim 8
//                --experts 4 --vocab 32 --batch 4 --seq 8 --capacity-factor 1.0
// with partita-glam's 2D layout (batch, token groups and experts over "data"; heads,
// hidden dims, d_model of activations and the vocabulary over "model").
// Parameters are named like partita-glam's with '_' for '.' (layer1.moe.wi is
// layer1_moe_wi), so both run on the same weights: tests/lit/cxx/glam_compare.pir.
//   partita-import-cxx examples/cxx/glam_block.cpp | partita-opt --partition
#include "partita/model.h"

using namespace partita::model;

const Mesh mesh{{"data", 2}, {"model", 2}};

constexpr int64_t B = 4, S = 8;     // batch and sequence; one MoE group per sequence
constexpr int64_t M = 16, H = 32;   // d_model and the feed-forward hidden size
constexpr int64_t N = 2, K = 8;     // attention heads and head dim
constexpr int64_t E = 4, V = 32;    // experts and vocabulary
constexpr int64_t kRelBuckets = 32; // T5 relative position buckets
constexpr double kCapacityFactor = 1.0;
constexpr double kNormEps = 1e-6, kAuxLossWeight = 0.01;

// T5's buckets are exact below distance kRelBuckets / 2 and logarithmic beyond; with at most
// that many tokens the bucket of a query-key pair is just max(q - k, 0).
static_assert(S <= kRelBuckets / 2, "longer sequences need T5's logarithmic buckets");

// Expert capacity per group: ceil(capacity_factor * 2 * S / E), at least 1, at most S.
constexpr int64_t capacity() {
  double c = kCapacityFactor * 2 * S / E;
  int64_t n = (int64_t)c;
  if (n < c) ++n;
  return n < 1 ? 1 : n < S ? n : S;
}
constexpr int64_t C = capacity();

// 1 / sqrt(n) as a compile-time number (std::sqrt is not constexpr): Newton's iteration.
constexpr double inv_sqrt(double n) {
  double r = n;
  for (int i = 0; i < 64; ++i)
    r = 0.5 * (r + n / r);
  return 1.0 / r;
}

// Broadcasts `r`, a rank-3 `like` reduced over its last dim, back to `like`'s shape.
Tensor<> back_last(const Tensor<> &r, const Tensor<> &like) {
  return broadcast_in_dim(r, shape(like), {0, 1});
}

// x * rsqrt(mean(x^2) + eps) * scale over d_model; the scale is split over "model".
Tensor<> rms_norm(const Tensor<> &x, const Tensor<> &scale) {
  auto ms = reduce_sum(x * x, {2}) * (1.0 / M);
  auto y = x * back_last(rsqrt(ms + kNormEps), x);
  return y * broadcast_in_dim(shard(scale, mesh, {{"model"}}), shape(x), {2});
}

// Causal self-attention, heads over "model", with a learned per-head bias for each
// relative position bucket and -1e9 on future keys.
Tensor<> attention(const Tensor<> &x, const Tensor<> &wq, const Tensor<> &wk, const Tensor<> &wv,
                   const Tensor<> &wo, const Tensor<> &rel_bias) {
  auto q = einsum("bsm,mnk->bsnk", x, shard(wq, mesh, {{}, {"model"}, {}})) * inv_sqrt(K);
  auto k = einsum("bsm,mnk->bsnk", x, shard(wk, mesh, {{}, {"model"}, {}}));
  auto v = einsum("bsm,mnk->bsnk", x, shard(wv, mesh, {{}, {"model"}, {}}));
  auto logits = einsum("bsnk,btnk->bnst", q, k);
  auto qpos = iota(i32, {S, S}, 0);
  auto kpos = iota(i32, {S, S}, 1);
  auto bias = take(shard(rel_bias, mesh, {{"model"}, {}}), maximum(qpos - kpos, 0), 1);
  auto causal = broadcast_in_dim(qpos >= kpos, {N, S, S}, {1, 2});
  bias = select(causal, bias, constant(-1e9, f32, {N, S, S}));
  logits = logits + broadcast_in_dim(bias, {B, N, S, S}, {1, 2, 3});
  auto o = einsum("bnst,btnk->bsnk", softmax(logits, 3), v);
  return einsum("bsnk,nkm->bsm", o, shard(wo, mesh, {{"model"}, {}, {}}));
}

// GLU feed-forward with GELU, hidden dim over "model".
Tensor<> dense_ffn(const Tensor<> &x, const Tensor<> &wi_0, const Tensor<> &wi_1,
                   const Tensor<> &wo) {
  auto h = gelu(einsum("bsm,mh->bsh", x, shard(wi_0, mesh, {{}, {"model"}}))) *
           einsum("bsm,mh->bsh", x, shard(wi_1, mesh, {{}, {"model"}}));
  return einsum("bsh,hm->bsm", h, shard(wo, mesh, {{"model"}, {}}));
}

// Slot assignment of one routing choice: dispatch[g,s,e,c] and its gate-weighted combine.
Results route(const Tensor<> &mask, const Tensor<> &pos, const Tensor<> &gate) {
  auto slot = reduce_sum(pos * mask, {2});
  auto slot_oh = one_hot(convert(slot, i32), C, f32);
  auto d = broadcast_in_dim(mask, {B, S, E, C}, {0, 1, 2}) *
           broadcast_in_dim(slot_oh, {B, S, E, C}, {0, 1, 3});
  return {d, d * broadcast_in_dim(gate, {B, S, E, C}, {0, 1})};
}

// GShard top-2 MoE on tokens [G,S,M] (a group per sequence): {output, load-balancing loss}.
Results moe(const Tensor<> &x, const Tensor<> &gate, const Tensor<> &wi, const Tensor<> &wo) {
  auto probs = softmax(einsum("gsm,me->gse", x, shard(gate, mesh, {{}, {}})), 2);
  auto mask1 = one_hot(argmax(probs, 2), E, f32);
  auto rest = select(mask1 > constant(0, f32, {B, S, E}), constant(-1, f32, {B, S, E}), probs);
  auto mask2 = one_hot(argmax(rest, 2), E, f32);
  // Both gates renormalized to sum to 1, before any assignment is dropped.
  auto gate1 = reduce_sum(probs * mask1, {2});
  auto gate2 = reduce_sum(probs * mask2, {2});
  auto denom = gate1 + gate2;
  gate1 = gate1 / denom;
  gate2 = gate2 / denom;

  // E^2 * mean over groups and experts of mean_s(probs) * mean_s(top-1 mask), before
  // capacity.
  auto aux = reduce_sum(reduce_sum(probs, {1}) * reduce_sum(mask1, {1}), {0, 1}) *
             ((double)E / ((double)B * S * S));

  // First choices fill each expert's buffer in token order, second choices continue after
  // the kept first ones; whatever lands at or past the capacity is dropped.
  auto cap = constant(C, f32, {B, S, E});
  auto pos1 = cumsum(mask1, 1, /*exclusive=*/true);
  mask1 = mask1 * convert(pos1 < cap, f32);
  auto pos2 = cumsum(mask2, 1, true) + broadcast_in_dim(reduce_sum(mask1, {1}), {B, S, E}, {0, 2});
  mask2 = mask2 * convert(pos2 < cap, f32);

  Results r1 = route(mask1, pos1, gate1);
  Results r2 = route(mask2, pos2, gate2);
  auto dispatch = r1[0] + r2[0];
  auto combine = r1[1] + r2[1];

  // Experts over "data" like the token groups: the dispatch and combine einsums become
  // all-to-alls over "data".
  auto ewi = shard(wi, mesh, {{"data"}, {}, {"model"}});
  auto ewo = shard(wo, mesh, {{"data"}, {"model"}, {}});
  auto xin = shard(einsum("gsec,gsm->egcm", dispatch, x), mesh, {{"data"}, {}, {}, {"model"}});
  auto hid = shard(einsum("egcm,emh->egch", xin, ewi), mesh, {{"data"}, {}, {}, {"model"}});
  auto eo = shard(einsum("egch,ehm->egcm", gelu(hid), ewo), mesh, {{"data"}, {}, {}, {"model"}});
  return {shard(einsum("gsec,egcm->gsm", combine, eo), mesh, {{"data"}, {}, {"model"}}), aux};
}

// Returns {loss, aux}: the mean cross-entropy plus 0.01 * the MoE layer's load-balancing
// loss, and that loss alone.
PARTITA_ENTRY Results
glam_block(PARTITA_BOUND(V) Tensor<i32, B, S> ids, PARTITA_BOUND(V) Tensor<i32, B, S> labels,
           Tensor<f32, V, M> embed,
           // Layer 0: attention and the dense feed-forward.
           Tensor<f32, M> layer0_attn_norm_scale, Tensor<f32, M, N, K> layer0_attn_wq,
           Tensor<f32, M, N, K> layer0_attn_wk, Tensor<f32, M, N, K> layer0_attn_wv,
           Tensor<f32, N, K, M> layer0_attn_wo, Tensor<f32, N, kRelBuckets> layer0_attn_rel_bias,
           Tensor<f32, M> layer0_ffn_norm_scale, Tensor<f32, M, H> layer0_mlp_wi_0,
           Tensor<f32, M, H> layer0_mlp_wi_1, Tensor<f32, H, M> layer0_mlp_wo,
           // Layer 1: attention and the MoE feed-forward.
           Tensor<f32, M> layer1_attn_norm_scale, Tensor<f32, M, N, K> layer1_attn_wq,
           Tensor<f32, M, N, K> layer1_attn_wk, Tensor<f32, M, N, K> layer1_attn_wv,
           Tensor<f32, N, K, M> layer1_attn_wo, Tensor<f32, N, kRelBuckets> layer1_attn_rel_bias,
           Tensor<f32, M> layer1_ffn_norm_scale, Tensor<f32, M, E> layer1_moe_gate,
           Tensor<f32, E, M, H> layer1_moe_wi, Tensor<f32, E, H, M> layer1_moe_wo,
           Tensor<f32, M> final_norm_scale) {
  // The embedding is vocabulary-parallel and tied: it is also the output projection.
  auto table = shard(embed, mesh, {{"model"}, {}});
  Tensor<> x = take(table, shard(ids, mesh, {{"data"}, {}}), 0);
  x = shard(x, mesh, {{"data"}, {}, {"model"}});

  x = x + attention(rms_norm(x, layer0_attn_norm_scale), layer0_attn_wq, layer0_attn_wk,
                    layer0_attn_wv, layer0_attn_wo, layer0_attn_rel_bias);
  x = x + dense_ffn(rms_norm(x, layer0_ffn_norm_scale), layer0_mlp_wi_0, layer0_mlp_wi_1,
                    layer0_mlp_wo);

  x = x + attention(rms_norm(x, layer1_attn_norm_scale), layer1_attn_wq, layer1_attn_wk,
                    layer1_attn_wv, layer1_attn_wo, layer1_attn_rel_bias);
  Results ffn =
      moe(rms_norm(x, layer1_ffn_norm_scale), layer1_moe_gate, layer1_moe_wi, layer1_moe_wo);
  x = x + ffn[0];

  // Logits scaled by d_model^-0.5 (tied embedding), vocabulary over "model".
  auto hf = rms_norm(x, final_norm_scale) * inv_sqrt(M);
  auto logits = shard(einsum("bsm,vm->bsv", hf, table), mesh, {{"data"}, {}, {"model"}});
  auto mx = reduce_max(logits, {2});
  auto lse = log(reduce_sum(exp(logits - back_last(mx, logits)), {2})) + mx;
  auto picked = reduce_sum(logits * one_hot(shard(labels, mesh, {{"data"}, {}}), V), {2});
  auto ce = reduce_sum(lse - picked, {0, 1}) * (1.0 / (B * S));
  auto aux = ffn[1];
  return {ce + aux * kAuxLossWeight, aux};
}
