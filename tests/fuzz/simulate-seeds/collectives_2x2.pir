// Seed for partita-fuzz-simulate: an already partitioned program with every collective.
mesh @m = <["a"=2, "b"=2]>
func @main(%v: f32[2] {global = f32[4], sharding = <@m, [{"a"}]>})
    -> (f32[2] {global = f32[4], sharding = <@m, [{"a"}]>},
        f32[4] {global = f32[8], sharding = <@m, [{"b"}]>},
        f32[2] {global = f32[8], sharding = <@m, [{"a", "b"}]>},
        f32[1] {global = f32[4], sharding = <@m, [{"a", "b"}]>})
    attributes {partitioned = @m} {
  %r0 = all_reduce(%v) {axes = ["b"], reduction = "sum"} : f32[2]
  %g = all_gather(%v) {axes = ["a"], dim = 0} : f32[4]
  %p = collective_permute(%v) {axes = ["a", "b"], shift = 1} : f32[2]
  %rs = reduce_scatter(%v) {axes = ["b"], dim = 0, reduction = "max"} : f32[1]
  return %r0, %g, %p, %rs
}
