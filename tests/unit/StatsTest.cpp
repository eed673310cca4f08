// Stats JSON of hand-written programs, against figures worked out by hand below.
#include "passes/Stats.h"
#include "ir/Parser.h"
#include "ir/Verifier.h"

#include <gtest/gtest.h>

using namespace partita;

namespace {

std::unique_ptr<Module> parse(const char *text) {
  Diagnostics d;
  auto m = parseModule(text, "test.pir", d);
  EXPECT_TRUE(m && verifyModule(*m, d)) << (d.all().empty() ? "" : d.all()[0].str());
  return m;
}

} // namespace

// Per device: x f32[2,8] (64 B) and w f32[8,8] (256 B) are the parameters, 320 B.
//   %h  einsum b=2 m=8 h=8: 2*2*8*8 = 256 flops; 64 B      live 320+64          = 384
//   %t  unused, 64 B                                       live 320+64+64       = 448
//   %g  all_gather of %h (64 B sent); 128 B                live 320+64+128      = 512
//   %r  all_reduce of %g (128 B sent); 128 B               live 320+128+128     = 576
//   %e  einsum b=2 h=16: 2*2*16 = 64 flops; 8 B            live 320+128+8       = 456
// Peak 576, flops 320. At %r: arguments 320, %g and %r (collective results) 256.
// Modelled step: 320 / 275e12 s of compute; wire bytes 64 * (2-1) for the gather over
// "model" plus 2 * 128 * (2-1)/2 for the all_reduce over "data" = 192, at 100e9 B/s.
TEST(Stats, PartitionedProgram) {
  auto m = parse(R"(
mesh @other = <["x"=8]>
mesh @m = <["data"=2, "model"=2]>

func @main(%x: f32[2,8] {global = f32[4,8], sharding = <@m, [{"data"}, {}]>},
           %w: f32[8,8] {global = f32[8,16], sharding = <@m, [{}, {"model"}]>})
    -> (f32[2,16] {global = f32[4,16], sharding = <@m, [{"data"}, {}]>},
        f32[2] {global = f32[4], sharding = <@m, [{"data"}]>})
    attributes {partitioned = @m} {
  %h = einsum(%x, %w) {spec = "bm,mh->bh"} : f32[2,8]
  %t = tanh(%h) : f32[2,8]
  %g = all_gather(%h) {axes = ["model"], dim = 1} : f32[2,16]
  %r = all_reduce(%g) {axes = ["data"], reduction = "sum"} : f32[2,16]
  %e = einsum(%r, %r) {spec = "bh,bh->b"} : f32[2]
  return %r, %e
}
)");
  ASSERT_TRUE(m);
  EXPECT_EQ(statsJson(*m), R"({
  "devices": 4,
  "mesh": {"data": 2, "model": 2},
  "collectives": [
    {"kind": "all_gather", "axes": ["model"], "bytes": 64},
    {"kind": "all_reduce", "axes": ["data"], "bytes": 128}
  ],
  "flops_per_device": 320,
  "param_bytes_per_device": 320,
  "peak_bytes_per_device": 576,
  "peak_breakdown": {"parameters": 320, "gradients": 0, "optimizer_state": 0, "activations": 0, "collective_buffers": 256},
  "modelled_step": {"compute_seconds": 1.16364e-12, "collective_wire_bytes": 192, "collective_seconds": 1.92e-09, "seconds": 1.92116e-09}
}
)");
}

// Unpartitioned: one device, the module's first mesh, no collectives.
TEST(Stats, UnpartitionedProgram) {
  auto m = parse(R"(
mesh @a = <["p"=3]>
mesh @b = <["q"=2]>

func @main(%x: bf16[3,5], %ids: i32[4]) -> (bf16[4,5]) {
  %o = one_hot(%ids) {depth = 3} : bf16[4,3]
  %y = einsum(%o, %x) {spec = "iv,vd->id"} : bf16[4,5]
  return %y
}
)");
  ASSERT_TRUE(m);
  // params 30 + 16 = 46. %o: 4*3*2 = 24 B, live 46+24 = 70. %y: 4*5*2 = 40 B, live
  // 46+24+40 = 110 (o's last use). flops: letters i=4 v=3 d=5: 2*60 = 120.
  std::string s = statsJson(*m);
  EXPECT_NE(s.find("\"devices\": 1,"), std::string::npos) << s;
  EXPECT_NE(s.find("\"mesh\": {\"p\": 3},"), std::string::npos) << s;
  EXPECT_NE(s.find("\"collectives\": [],"), std::string::npos) << s;
  EXPECT_NE(s.find("\"flops_per_device\": 120,"), std::string::npos) << s;
  EXPECT_NE(s.find("\"param_bytes_per_device\": 46,"), std::string::npos) << s;
  EXPECT_NE(s.find("\"peak_bytes_per_device\": 110,\n"), std::string::npos) << s;
}

TEST(Stats, NoMeshNoOps) {
  auto m = parse("func @main(%x: f32[4]) -> (f32[4]) {\n  return %x\n}\n");
  ASSERT_TRUE(m);
  std::string s = statsJson(*m);
  EXPECT_NE(s.find("\"mesh\": {},"), std::string::npos) << s;
  EXPECT_NE(s.find("\"peak_bytes_per_device\": 16,\n"), std::string::npos) << s;
}
