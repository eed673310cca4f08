// A hand-written training step of the training-step contract (docs/training.md) for the
// partita-train tests: a byte-level bigram model with a tanh layer (token and position
// embeddings, an output projection), its gradients written out by hand, and SGD with
// momentum whose learning rate decays with %step. It does not depend on the Adafactor
// pass; a 2x2 data x model mesh splits the batch and the hidden dimension.
mesh @mesh = <["data"=2, "model"=2]>

func @main(%emb: f32[264,32] {sharding = <@mesh, [{}, {"model"}]>, trainable = true, train.init = "uniform:1.0"},
           %pos: f32[16,32] {sharding = <@mesh, [{}, {"model"}]>, trainable = true, train.init = "ones"},
           %out: f32[32,264] {sharding = <@mesh, [{"model"}, {}]>, trainable = true, train.init = "uniform:0.17677"},
           %emb.v: f32[264,32] {sharding = <@mesh, [{}, {"model"}]>, train.init = "zeros", train.state = "emb"},
           %pos.v: f32[16,32] {sharding = <@mesh, [{}, {"model"}]>, train.init = "zeros", train.state = "pos"},
           %out.v: f32[32,264] {sharding = <@mesh, [{"model"}, {}]>, train.init = "zeros", train.state = "out"},
           %step: i32[] {train.step = true},
           %ids: i32[8,16] {sharding = <@mesh, [{"data"}, {}]>, train.batch = "ids"},
           %labels: i32[8,16] {sharding = <@mesh, [{"data"}, {}]>, train.batch = "labels"},
           %segments: i32[8,16] {sharding = <@mesh, [{"data"}, {}]>, train.batch = "segments"},
           %positions: i32[8,16] {sharding = <@mesh, [{"data"}, {}]>, train.batch = "positions"})
    -> (f32[], f32[],
        f32[264,32] {sharding = <@mesh, [{}, {"model"}]>, train.next = "emb"},
        f32[16,32] {sharding = <@mesh, [{}, {"model"}]>, train.next = "pos"},
        f32[32,264] {sharding = <@mesh, [{"model"}, {}]>, train.next = "out"},
        f32[264,32] {sharding = <@mesh, [{}, {"model"}]>, train.next = "emb.v"},
        f32[16,32] {sharding = <@mesh, [{}, {"model"}]>, train.next = "pos.v"},
        f32[32,264] {sharding = <@mesh, [{"model"}, {}]>, train.next = "out.v"}) {
  // Forward: h = emb[ids] + pos[positions], a = tanh(h), logits = a . out.
  %x = one_hot(%ids) {depth = 264} : f32[8,16,264]
  %pe = one_hot(%positions) {depth = 16} : f32[8,16,16]
  %h.tok = einsum(%x, %emb) {spec = "bsv,vd->bsd"} : f32[8,16,32]
  %h.pos = einsum(%pe, %pos) {spec = "bsp,pd->bsd"} : f32[8,16,32]
  %h = add(%h.tok, %h.pos) : f32[8,16,32]
  %a = tanh(%h) : f32[8,16,32]
  %logits = einsum(%a, %out) {spec = "bsd,dv->bsv"} : f32[8,16,264]
  // Cross-entropy over the non-padding tokens (segment id > 0).
  %mx = reduce_max(%logits) {dims = [2]} : f32[8,16]
  %mx.b = broadcast_in_dim(%mx) {dims = [0, 1]} : f32[8,16,264]
  %z = sub(%logits, %mx.b) : f32[8,16,264]
  %e = exp(%z) : f32[8,16,264]
  %se = reduce_sum(%e) {dims = [2]} : f32[8,16]
  %lse = log(%se) : f32[8,16]
  %y = one_hot(%labels) {depth = 264} : f32[8,16,264]
  %zy = mul(%z, %y) : f32[8,16,264]
  %z.label = reduce_sum(%zy) {dims = [2]} : f32[8,16]
  %nll = sub(%lse, %z.label) : f32[8,16]
  %zero.i = constant() {value = 0} : i32[8,16]
  %valid = compare(%segments, %zero.i) {direction = "gt"} : i1[8,16]
  %mask = convert(%valid) : f32[8,16]
  %nll.m = mul(%nll, %mask) : f32[8,16]
  %total = reduce_sum(%nll.m) {dims = [0, 1]} : f32[]
  %count = reduce_sum(%mask) {dims = [0, 1]} : f32[]
  %one = constant() {value = 1.0} : f32[]
  %count.1 = max(%count, %one) : f32[]
  %loss = div(%total, %count.1) : f32[]
  // The aux loss is a metric here: the mean squared activation.
  %a2 = mul(%a, %a) : f32[8,16,32]
  %a2.sum = reduce_sum(%a2) {dims = [0, 1, 2]} : f32[]
  %a.n = constant() {value = 4096.0} : f32[]
  %aux = div(%a2.sum, %a.n) : f32[]
  // Backward: d logits = (softmax - onehot(labels)) * mask / count.
  %se.b = broadcast_in_dim(%se) {dims = [0, 1]} : f32[8,16,264]
  %p = div(%e, %se.b) : f32[8,16,264]
  %p.y = sub(%p, %y) : f32[8,16,264]
  %count.b = broadcast_in_dim(%count.1) {dims = []} : f32[8,16]
  %w = div(%mask, %count.b) : f32[8,16]
  %w.b = broadcast_in_dim(%w) {dims = [0, 1]} : f32[8,16,264]
  %d.logits = mul(%p.y, %w.b) : f32[8,16,264]
  %g.out = einsum(%a, %d.logits) {spec = "bsd,bsv->dv"} : f32[32,264]
  %d.a = einsum(%d.logits, %out) {spec = "bsv,dv->bsd"} : f32[8,16,32]
  %ones.a = constant() {value = 1.0} : f32[8,16,32]
  %dtanh = sub(%ones.a, %a2) : f32[8,16,32]
  %d.h = mul(%d.a, %dtanh) : f32[8,16,32]
  %g.emb = einsum(%x, %d.h) {spec = "bsv,bsd->vd"} : f32[264,32]
  %g.pos = einsum(%pe, %d.h) {spec = "bsp,bsd->pd"} : f32[16,32]
  // Momentum SGD: v' = 0.9 v + g, p' = p - lr v', lr = 0.5 / sqrt(1 + step).
  %step.f = convert(%step) : f32[]
  %step.1 = add(%step.f, %one) : f32[]
  %decay = rsqrt(%step.1) : f32[]
  %lr.peak = constant() {value = 0.5} : f32[]
  %lr = mul(%lr.peak, %decay) : f32[]
  %lr.emb = broadcast_in_dim(%lr) {dims = []} : f32[264,32]
  %lr.pos = broadcast_in_dim(%lr) {dims = []} : f32[16,32]
  %lr.out = broadcast_in_dim(%lr) {dims = []} : f32[32,264]
  %beta.emb = constant() {value = 0.9} : f32[264,32]
  %beta.pos = constant() {value = 0.9} : f32[16,32]
  %beta.out = constant() {value = 0.9} : f32[32,264]
  %m.emb = mul(%beta.emb, %emb.v) : f32[264,32]
  %v.emb = add(%m.emb, %g.emb) : f32[264,32]
  %u.emb = mul(%lr.emb, %v.emb) : f32[264,32]
  %emb.new = sub(%emb, %u.emb) : f32[264,32]
  %m.pos = mul(%beta.pos, %pos.v) : f32[16,32]
  %v.pos = add(%m.pos, %g.pos) : f32[16,32]
  %u.pos = mul(%lr.pos, %v.pos) : f32[16,32]
  %pos.new = sub(%pos, %u.pos) : f32[16,32]
  %m.out = mul(%beta.out, %out.v) : f32[32,264]
  %v.out = add(%m.out, %g.out) : f32[32,264]
  %u.out = mul(%lr.out, %v.out) : f32[32,264]
  %out.new = sub(%out, %u.out) : f32[32,264]
  return %loss, %aux, %emb.new, %pos.new, %out.new, %v.emb, %v.pos, %v.out
}
