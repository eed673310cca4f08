// The overlap microbenchmark of bench.py's async rows (docs/performance.md, "Overlapping
// collectives"): on 2 ranks, a 32 MiB all_reduce that nothing reads until the end and two
// dependent 1024^3 einsums that do not read it. Blocking, the einsums wait for the exchange;
// async, the exchange can proceed during them.
mesh @m = <["a"=2]>
func @main(%g: f32[8388608] {global = f32[8388608], sharding = <@m, [{}]>},
           %x: f32[1024,1024] {global = f32[1024,1024], sharding = <@m, [{}, {}]>})
    -> (f32[8388608] {global = f32[8388608], sharding = <@m, [{}]>},
        f32[1024,1024] {global = f32[1024,1024], sharding = <@m, [{}, {}]>})
    attributes {partitioned = @m} {
  %s = all_reduce(%g) {axes = ["a"], reduction = "sum"} : f32[8388608]
  %y = einsum(%x, %x) {spec = "ij,jk->ik"} : f32[1024,1024]
  %z = einsum(%y, %x) {spec = "ij,jk->ik"} : f32[1024,1024]
  return %s, %z
}
