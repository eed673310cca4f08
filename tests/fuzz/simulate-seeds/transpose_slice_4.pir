// Seed for partita-fuzz-simulate: data movement (transpose, slice, concatenate, reshape)
// on a 4-device mesh, with i32 values.
mesh @m = <["x"=4]>
func @main(%a: i32[8,3] {sharding = <@m, [{"x"}, {}]>}, %c: f32[4,6] {sharding = <@m, [{}, {"x"}]>})
    -> (i32[3,8], f32[2,6], f32[24]) {
  %t = transpose(%a) {perm = [1, 0]} : i32[3,8]
  %s = slice(%c) {limit = [3, 6], start = [1, 0]} : f32[2,6]
  %r = reshape(%c) : f32[24]
  return %t, %s, %r
}
