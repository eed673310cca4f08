// Found by partita-fuzz-simulate (reported, not fixed here: passes/Propagation.cpp and
// runtime/RunDriver.cpp belong to other work). A module with two multi-device meshes and no
// sharding on @main: propagation picks no mesh, the pipeline succeeds without partitioning,
// and `partita-run --simulate` prints "error: internal error: partitioning did not produce a
// partitioned @main" (exit 1, unlocated). Expected: either a located error asking for a
// sharding to choose the mesh, or a one-device run. The fuzzer skips exactly this case.
mesh @mesh = <["data"=2]>
mesh @other = <["x"=4]>
func @main(%x: f32[4,8], %w: f32[8,16]) -> (f32[4,16]) {
  %h = einsum(%x, %w) {spec = "bm,mh->bh"} : f32[4,16]
  return %h
}
