// A GShard top-1 mixture-of-experts layer with a residual, on a 2x2 mesh: token groups and
// experts on "data", the expert hidden dimension on "model". Only the inputs, the weights
// and the expert inputs are annotated; propagation does the rest, and the partitioner
// derives the dispatch and combine all_to_alls from these annotations.
mesh @mesh = <["data"=2, "model"=2]>

func @main(%x: f32[2,8,16] {sharding = <@mesh, [{"data"}, {}, {}]>},
           %wg: f32[16,4],
           %wi: f32[4,16,32] {sharding = <@mesh, [{"data"}, {}, {"model"}]>},
           %wo: f32[4,32,16] {sharding = <@mesh, [{"data"}, {"model"}, {}]>})
    -> (f32[2,8,16] {sharding = <@mesh, [{"data"}, {}, {}]>}) {
  // Gate: softmax over experts.
  %logits = einsum(%x, %wg) {spec = "gsm,me->gse"} : f32[2,8,4]
  %mx = reduce_max(%logits) {dims = [2]} : f32[2,8]
  %mxb = broadcast_in_dim(%mx) {dims = [0, 1]} : f32[2,8,4]
  %z = sub(%logits, %mxb) : f32[2,8,4]
  %ez = exp(%z) : f32[2,8,4]
  %se = reduce_sum(%ez) {dims = [2]} : f32[2,8]
  %seb = broadcast_in_dim(%se) {dims = [0, 1]} : f32[2,8,4]
  %gates = div(%ez, %seb) : f32[2,8,4]
  // Top-1 expert and its slot in the expert's buffer (capacity 4; later tokens are dropped).
  %expert = argmax(%gates) {dim = 2} : i32[2,8]
  %mask = one_hot(%expert) {depth = 4} : f32[2,8,4]
  %pos = cumsum(%mask) {dim = 1, exclusive = true} : f32[2,8,4]
  %posm = mul(%pos, %mask) : f32[2,8,4]
  %slotf = reduce_sum(%posm) {dims = [2]} : f32[2,8]
  %sloti = convert(%slotf) : i32[2,8]
  %slot = one_hot(%sloti) {depth = 4} : f32[2,8,4]
  %gm = mul(%gates, %mask) : f32[2,8,4]
  %g1 = reduce_sum(%gm) {dims = [2]} : f32[2,8]
  %dispatch = einsum(%mask, %slot) {spec = "gse,gsc->gsec"} : f32[2,8,4,4]
  %g1b = broadcast_in_dim(%g1) {dims = [0, 1]} : f32[2,8,4,4]
  %combine = mul(%dispatch, %g1b) : f32[2,8,4,4]
  // Dispatch, expert feed-forward, combine.
  %ein = einsum(%dispatch, %x) {spec = "gsec,gsm->egcm"} : f32[4,2,4,16]
  %eins = sharding_constraint(%ein) {sharding = <@mesh, [{"data"}, {}, {}, {}]>} : f32[4,2,4,16]
  %h = einsum(%eins, %wi) {spec = "egcm,emh->egch"} : f32[4,2,4,32]
  %a = gelu(%h) : f32[4,2,4,32]
  %eo = einsum(%a, %wo) {spec = "egch,ehm->egcm"} : f32[4,2,4,16]
  %y = einsum(%combine, %eo) {spec = "gsec,egcm->gsm"} : f32[2,8,16]
  %r = add(%y, %x) : f32[2,8,16]
  return %r
}
