// Four 16 MiB results (f32[2048,2048]), so that writing them with --outputs takes long
// enough for kill_outputs.py to interrupt it.
func @main(%x: f32[2048,2048]) -> (f32[2048,2048], f32[2048,2048], f32[2048,2048], f32[2048,2048]) {
  %a = neg(%x) : f32[2048,2048]
  %b = add(%x, %x) : f32[2048,2048]
  %c = mul(%x, %x) : f32[2048,2048]
  %d = sub(%x, %c) : f32[2048,2048]
  return %a, %b, %c, %d
}
