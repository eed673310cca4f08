// Found by review after partita-fuzz-simulate's slice-stride finding: a collective_permute
// shift of INT64_MIN overflowed (me - shift) in the interpreter and the simulator.
mesh @m = <["a"=2]>
func @main() -> (f32[1] {global = f32[2], sharding = <@m, [{"a"}]>}) attributes {partitioned = @m} {
  %a = axis_index() {axis = "a"} : i32[]
  %af = convert(%a) : f32[]
  %v = broadcast_in_dim(%af) {dims = []} : f32[1]
  %p = collective_permute(%v) {axes = ["a"], shift = -9223372036854775808} : f32[1]
  return %p
}
