// replicated_inputs.py's program: %w is replicated on both devices, %v split between them;
// each device adds its copy of %w to its half of %v.
mesh @m = <["x"=2]>

func @main(%w: f32[4] {global = f32[4], sharding = <@m, [{}]>},
           %v: f32[4] {global = f32[8], sharding = <@m, [{"x"}]>})
    -> (f32[4] {global = f32[8], sharding = <@m, [{"x"}]>})
    attributes {partitioned = @m} {
  %s = add(%w, %v) : f32[4]
  return %s
}
