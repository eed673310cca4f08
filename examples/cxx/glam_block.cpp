// One dense GLaM layer (RMSNorm + GLU feed-forward) followed by one GShard top-2 MoE layer,
// written against partita/model.h with the 2D layout of `partita-glam --sharding 2d`:
// batch and experts over "data", hidden and d_model weight dims over "model".
//   partita-import-cxx examples/cxx/glam_block.cpp | partita-opt --partition
#include "partita/model.h"

using namespace partita::model;

const Mesh mesh{{"data", 2}, {"model", 2}};

constexpr int64_t B = 4, S = 8, M = 16, H = 32, E = 4;
constexpr double kCapacityFactor = 2.0;
// ceil(capacity_factor * 2 * S / E), capped at S, as in partita-glam.
constexpr int64_t capacity() {
  int64_t c = (int64_t)(kCapacityFactor * 2 * S / E + 0.999999);
  return c < S ? c : S;
}
constexpr int64_t C = capacity();

// Broadcasts a tensor reduced over its last dim back to `like`'s shape.
Tensor<> back_last(const Tensor<> &r, const Tensor<> &like) {
  return broadcast_in_dim(r, shape(like), {0, 1});
}

Tensor<> rms_norm(const Tensor<> &x, const Tensor<> &scale) {
  auto ms = reduce_sum(x * x, {2}) * (1.0 / M);
  auto rstd = rsqrt(ms + 1e-6);
  auto y = x * back_last(rstd, x);
  return y * broadcast_in_dim(scale, shape(x), {2});
}

Tensor<> dense_ffn(const Tensor<> &x, const Tensor<> &wi0, const Tensor<> &wi1,
                   const Tensor<> &wo) {
  auto h = gelu(einsum("bsm,mh->bsh", x, wi0)) * einsum("bsm,mh->bsh", x, wi1);
  return einsum("bsh,hm->bsm", h, wo);
}

// Slot assignment of one routing choice: dispatch[g,s,e,c] and its gate-weighted combine.
Results route(const Tensor<> &mask, const Tensor<> &pos, const Tensor<> &gate) {
  auto slot = reduce_sum(pos * mask, {2});
  auto slot_oh = one_hot(convert(slot, i32), C, f32);
  auto d = broadcast_in_dim(mask, {B, S, E, C}, {0, 1, 2}) *
           broadcast_in_dim(slot_oh, {B, S, E, C}, {0, 1, 3});
  return {d, d * broadcast_in_dim(gate, {B, S, E, C}, {0, 1})};
}

Tensor<> moe(const Tensor<> &x, const Tensor<> &wg, const Tensor<> &wi, const Tensor<> &wo) {
  auto probs = softmax(einsum("gsm,me->gse", x, wg), 2);
  auto mask1 = one_hot(argmax(probs, 2), E, f32);
  auto rest = select(mask1 > constant(0, f32, {B, S, E}), constant(-1, f32, {B, S, E}), probs);
  auto mask2 = one_hot(argmax(rest, 2), E, f32);
  auto gate1 = reduce_sum(probs * mask1, {2});
  auto gate2 = reduce_sum(probs * mask2, {2});
  auto denom = gate1 + gate2;
  gate1 = gate1 / denom;
  gate2 = gate2 / denom;

  // First choices fill each expert's buffer in token order, second choices continue after
  // them; whatever lands at or past the capacity is dropped.
  auto cap = constant(C, f32, {B, S, E});
  auto pos1 = cumsum(mask1, 1, /*exclusive=*/true);
  mask1 = mask1 * convert(pos1 < cap, f32);
  auto pos2 = cumsum(mask2, 1, true) + broadcast_in_dim(reduce_sum(mask1, {1}), {B, S, E}, {0, 2});
  mask2 = mask2 * convert(pos2 < cap, f32);

  Results r1 = route(mask1, pos1, gate1);
  Results r2 = route(mask2, pos2, gate2);
  auto dispatch = r1[0] + r2[0];
  auto combine = r1[1] + r2[1];

  auto xin = shard(einsum("gsec,gsm->egcm", dispatch, x), mesh, {{"data"}, {}, {}, {"model"}});
  auto hid = shard(einsum("egcm,emh->egch", xin, wi), mesh, {{"data"}, {}, {}, {"model"}});
  auto eo = shard(einsum("egch,ehm->egcm", gelu(hid), wo), mesh, {{"data"}, {}, {}, {"model"}});
  return shard(einsum("gsec,egcm->gsm", combine, eo), mesh, {{"data"}, {}, {"model"}});
}

PARTITA_ENTRY Tensor<>
glam_block(Tensor<f32, B, S, M> x, Tensor<f32, M> ffn_norm, Tensor<f32, M, H> wi_0,
           Tensor<f32, M, H> wi_1, Tensor<f32, H, M> wo, Tensor<f32, M> moe_norm,
           Tensor<f32, M, E> gate, Tensor<f32, E, M, H> expert_wi, Tensor<f32, E, H, M> expert_wo) {
  Tensor<> h = shard(x, mesh, {{"data"}, {}, {"model"}});
  auto w0 = shard(wi_0, mesh, {{}, {"model"}});
  auto w1 = shard(wi_1, mesh, {{}, {"model"}});
  auto w2 = shard(wo, mesh, {{"model"}, {}});
  h = h + dense_ffn(rms_norm(h, ffn_norm), w0, w1, w2);
  auto ewi = shard(expert_wi, mesh, {{"data"}, {}, {"model"}});
  auto ewo = shard(expert_wo, mesh, {{"data"}, {"model"}, {}});
  h = h + moe(rms_norm(h, moe_norm), gate, ewi, ewo);
  return shard(h, mesh, {{"data"}, {}, {"model"}});
}
