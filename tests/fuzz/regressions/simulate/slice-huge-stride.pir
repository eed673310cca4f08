// partita-fuzz-simulate found this: a slice stride of INT64_MAX overflowed the result-extent
// computation (limit - start + stride - 1) in shape inference (UBSan: signed overflow).
mesh @m = <["a"=2]>
func @main(%x: f32[8] {sharding = <@m, [{"a"}]>}) -> (f32[1]) {
  %s = slice(%x) {start = [1], limit = [8], stride = [9223372036854775807]} : f32[1]
  return %s
}
