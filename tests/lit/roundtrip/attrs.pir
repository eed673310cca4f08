// Every attribute form of the grammar and where attributes go: op, argument, result and
// function attributes, `sharding` sorted in among the others, and several meshes and
// functions. Dotted names (`t.int`) are free-form attributes that any op may carry.
// RUN: partita-opt %s | FileCheck --match-full-lines %s
// RUN: partita-opt %s | partita-opt | FileCheck --match-full-lines %s

mesh @mesh = <["data"=2, "model"=2]>
mesh @pods = <["pod"=2, "x"=4, "y"=1]>

// A second function before @main; functions keep their order.
func @helper(%0: f32[4]) -> (f32[4]) {
  %1 = neg(%0) : f32[4]
  return %1
}

func @main(%ids: i32[8] {bound = 64},
           %x: f32[8,4] {t.note = "input", sharding = <@mesh, [{"data"}, {}]>})
    -> (f32[8,4] {t.kind = "out", sharding = <@mesh, [{"data"}, {}], replicated={"model"}>}, f32[])
    attributes {t.version = 3, t.mesh = @pods} {
  %ints = neg(%x) {t.zero = 0, t.neg = -17, t.max = 9223372036854775807,
                   t.min = -9223372036854775808} : f32[8,4]
  %floats = neg(%ints) {t.half = 1.5, t.small = -2.5e-3, t.big = 1e20, t.whole = 3.0,
                        t.hundred = 100.0, t.tiny = 1E-7, t.nzero = -0.0,
                        t.inf = inf, t.ninf = -inf, t.nan = nan} : f32[8,4]
  %strings = neg(%floats) {t.plain = "gsm,me->gse", t.empty = "",
                           t.esc = "q\"b\\n\nt\tr\rx\x01y"} : f32[8,4]
  %misc = neg(%strings) {t.yes = true, t.no = false, t.sym = @mesh,
                         t.type = bf16[2,3], t.scalar = f32[], t.bool = i1[1]} : f32[8,4]
  %lists = neg(%misc) {t.empty = [], t.nested = [[1, 2], [], [[-3]]],
                       t.mixed = [1, 2.5, "s", true, @mesh, i32[2]]} : f32[8,4]
  %sh = neg(%lists) {z.last = 1, sharding = <@mesh, [{"data"}, {}]>, a.first = 2,
                     t.spec = <@mesh, [{"data", "model"}, {}], replicated={}, unreduced={"model"}>,
                     t.both = <@pods, [{}, {"x"}], replicated={"pod"}, unreduced={"y"}>,
                     t.shards = [<@mesh, [{}]>, <@pods, []>]} : f32[8,4]
  %r = reduce_sum(%sh) {dims = [0, 1], sharding = <@mesh, []>} : f32[]
  return %sh, %r
}

// CHECK: mesh @mesh = <["data"=2, "model"=2]>
// CHECK-NEXT: mesh @pods = <["pod"=2, "x"=4, "y"=1]>
// CHECK-EMPTY:
// CHECK-NEXT: func @helper(%0: f32[4]) -> (f32[4]) {
// CHECK-NEXT:   %1 = neg(%0) : f32[4]
// CHECK-NEXT:   return %1
// CHECK-NEXT: }
// CHECK-EMPTY:
// CHECK-NEXT: func @main(%ids: i32[8] {bound = 64}, %x: f32[8,4] {sharding = <@mesh, [{"data"}, {}]>, t.note = "input"}) -> (f32[8,4] {sharding = <@mesh, [{"data"}, {}], replicated={"model"}>, t.kind = "out"}, f32[]) attributes {t.mesh = @pods, t.version = 3} {
// CHECK-NEXT:   %ints = neg(%x) {t.max = 9223372036854775807, t.min = -9223372036854775808, t.neg = -17, t.zero = 0} : f32[8,4]
// CHECK-NEXT:   %floats = neg(%ints) {t.big = 1e+20, t.half = 1.5, t.hundred = 100.0, t.inf = inf, t.nan = nan, t.ninf = -inf, t.nzero = -0.0, t.small = -0.0025, t.tiny = 1e-07, t.whole = 3.0} : f32[8,4]
// CHECK-NEXT:   %strings = neg(%floats) {t.empty = "", t.esc = "q\"b\\n\nt\tr\rx\x01y", t.plain = "gsm,me->gse"} : f32[8,4]
// CHECK-NEXT:   %misc = neg(%strings) {t.bool = i1[1], t.no = false, t.scalar = f32[], t.sym = @mesh, t.type = bf16[2,3], t.yes = true} : f32[8,4]
// CHECK-NEXT:   %lists = neg(%misc) {t.empty = [], t.mixed = [1, 2.5, "s", true, @mesh, i32[2]], t.nested = {{\[\[}}1, 2], [], {{\[\[}}-3]]]} : f32[8,4]
// CHECK-NEXT:   %sh = neg(%lists) {a.first = 2, sharding = <@mesh, [{"data"}, {}]>, t.both = <@pods, [{}, {"x"}], replicated={"pod"}, unreduced={"y"}>, t.shards = [<@mesh, [{}]>, <@pods, []>], t.spec = <@mesh, [{"data", "model"}, {}], unreduced={"model"}>, z.last = 1} : f32[8,4]
// CHECK-NEXT:   %r = reduce_sum(%sh) {dims = [0, 1], sharding = <@mesh, []>} : f32[]
// CHECK-NEXT:   return %sh, %r
// CHECK-NEXT: }
