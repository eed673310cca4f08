// Seed for partita-fuzz-simulate: a sharded MLP with a bias, softmax-like reductions and an
// uneven dimension on a 2x2 mesh.
mesh @mesh = <["data"=2, "model"=2]>
func @main(%x: f32[6,8] {sharding = <@mesh, [{"data"}, {}]>},
           %w: f32[8,5] {sharding = <@mesh, [{}, {"model"}]>},
           %b: f32[5]) -> (f32[6,5], f32[6]) {
  %h = einsum(%x, %w) {spec = "bm,mh->bh"} : f32[6,5]
  %bb = broadcast_in_dim(%b) {dims = [1]} : f32[6,5]
  %s = add(%h, %bb) : f32[6,5]
  %t = tanh(%s) : f32[6,5]
  %m = reduce_max(%t) {dims = [1]} : f32[6]
  return %t, %m
}
