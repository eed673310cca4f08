// A Megatron-style MLP: column-parallel then row-parallel weights over "model", batch over
// "data". One all_reduce over "model" is the only communication.
mesh @mesh = <["data"=2, "model"=2]>

func @main(%x: f32[8,16] {sharding = <@mesh, [{"data"}, {}]>},
           %w1: f32[16,64] {sharding = <@mesh, [{}, {"model"}]>},
           %w2: f32[64,16] {sharding = <@mesh, [{"model"}, {}]>}) -> (f32[8,16]) {
  %h = einsum(%x, %w1) {spec = "bm,mh->bh"} : f32[8,64]
  %g = gelu(%h) : f32[8,64]
  %y = einsum(%g, %w2) {spec = "bh,hm->bm"} : f32[8,16]
  %r = add(%y, %x) : f32[8,16]
  return %r
}
