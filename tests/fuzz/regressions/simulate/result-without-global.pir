// partita-fuzz-simulate found this: a partitioned result whose `global` attribute is
// misspelled, so its global type defaulted to the local one and the simulator failed inside
// assembleGlobal with an unlocated error. Now a located error at the result.
mesh @m = <["a"=2, "b"=2]>
func @main() -> (f32[2] {globbl = f32[4], sharding = <@m, [{"a"}]>}) attributes {partitioned = @m} {
  %a = axis_index() {axis = "a"} : i32[]
  %abf = convert(%a) : f32[]
  %x = broadcast_in_dim(%abf) {dims = []} : f32[1]
  %one = constant() {value = [1.0]} : f32[1]
  %v = concatenate(%x, %one) {dim = 0} : f32[2]
  return %v
}
