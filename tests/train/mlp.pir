// A small regression model whose training step tests/train/adafactor_optax.py compares
// with optax.adafactor: a factored matrix (w1), a vector (b1), a matrix whose factored dims
// are not in order (w2, rows < cols), a 3-D expert-like weight (e) and a loss written the
// same way in JAX there.
func @main(%x: f32[8,16], %w1: f32[16,24] {trainable = true}, %b1: f32[24] {trainable = true},
           %w2: f32[24,4] {trainable = true}, %e: f32[3,4,5] {trainable = true},
           %y: f32[8,3,5]) -> (f32[], f32[]) attributes {adafactor.lr = 0.05, adafactor.warmup_steps = 3} {
  %h = einsum(%x, %w1) {spec = "bm,mh->bh"} : f32[8,24]
  %bb = broadcast_in_dim(%b1) {dims = [1]} : f32[8,24]
  %hb = add(%h, %bb) : f32[8,24]
  %a = tanh(%hb) : f32[8,24]
  %z = einsum(%a, %w2) {spec = "bh,hk->bk"} : f32[8,4]
  %o = einsum(%z, %e) {spec = "bk,gkj->bgj"} : f32[8,3,5]
  %d = sub(%o, %y) : f32[8,3,5]
  %d2 = mul(%d, %d) : f32[8,3,5]
  %s = reduce_sum(%d2) {dims = [0, 1, 2]} : f32[]
  %n = constant() {value = 120.0} : f32[]
  %loss = div(%s, %n) : f32[]
  %w2sq = mul(%w2, %w2) : f32[24,4]
  %aux = reduce_sum(%w2sq) {dims = [0, 1]} : f32[]
  return %loss, %aux
}
