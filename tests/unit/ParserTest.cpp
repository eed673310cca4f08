// The text format: parse → print → parse of every .pir file in the repo and the shared
// conformance cases prints identical text; where parsed pieces land in the IR (shardings on
// values, attribute locations); float and string printing that reads back exactly; located
// errors; and robustness against truncated, binary and deeply nested input.
#include "ir/Parser.h"
#include "ir/Printer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

using namespace partita;
namespace fs = std::filesystem;

namespace {

std::string readFile(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::unique_ptr<Module> parseOk(const std::string &text) {
  Diagnostics d;
  auto m = parseModule(text, "t.pir", d);
  EXPECT_TRUE(m) << text << "\n" << (d.all().empty() ? "" : d.all()[0].str());
  EXPECT_FALSE(d.hasErrors());
  return m;
}

// The single error of a failed parse.
Diagnostic parseError(const std::string &text) {
  Diagnostics d;
  auto m = parseModule(text, "t.pir", d);
  EXPECT_FALSE(m) << text;
  EXPECT_EQ(d.all().size(), 1u) << text;
  return d.all().empty() ? Diagnostic{} : d.all()[0];
}

// print(parse(text)) and print(parse(print(parse(text)))) agree.
void expectRoundTrip(const std::string &text, const std::string &what) {
  Diagnostics d;
  auto m = parseModule(text, what, d);
  ASSERT_TRUE(m) << what;
  std::string once = printModule(*m);
  Diagnostics d2;
  auto m2 = parseModule(once, what + " (printed)", d2);
  ASSERT_TRUE(m2) << what << ": " << (d2.all().empty() ? "" : d2.all()[0].str()) << "\n" << once;
  EXPECT_EQ(printModule(*m2), once) << what;
}

std::vector<fs::path> pirFiles(const fs::path &root) {
  std::vector<fs::path> out;
  if (!fs::exists(root)) return out;
  for (const auto &e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file() && e.path().extension() == ".pir") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

const fs::path kConformance = fs::path(PARTITA_SOURCE_DIR) / ".." / "shared" / "conformance";

TEST(Parser, ConformanceCasesRoundTrip) {
  auto files = pirFiles(kConformance);
  if (files.empty()) GTEST_SKIP() << "no conformance cases at " << kConformance;
  int parsed = 0;
  for (const auto &p : files) {
    std::string text = readFile(p);
    Diagnostics d;
    if (!parseModule(text, p.string(), d)) {
      // Only the syntax-error cases may fail to parse.
      EXPECT_TRUE(p.filename() == "e05_undefined_value.pir" || p.filename() == "e06_truncated.pir")
          << p << ": " << d.all()[0].str();
      continue;
    }
    expectRoundTrip(text, p.string());
    ++parsed;
  }
  EXPECT_GE(parsed, 20);
}

TEST(Parser, RepoFilesRoundTrip) {
  int parsed = 0;
  for (const char *dir : {"tests", "examples"}) {
    for (const auto &p : pirFiles(fs::path(PARTITA_SOURCE_DIR) / dir)) {
      std::string text = readFile(p);
      Diagnostics d;
      if (!parseModule(text, p.string(), d)) continue; // negative tests
      expectRoundTrip(text, p.string());
      ++parsed;
    }
  }
  EXPECT_GE(parsed, 4); // at least the round-trip lit tests
}

TEST(Parser, PrintsTheSpecExample) {
  const char *src = R"(mesh @mesh = <["data"=2, "model"=2]>

func @main(%x: f32[8,16] {sharding = <@mesh, [{"data"}, {}]>},
           %w: f32[16,32]) -> (f32[8,32] {sharding = <@mesh, [{"data"}, {"model"}]>}) {
  %h = einsum(%x, %w) {spec = "bm,mh->bh"} : f32[8,32]
  %y = gelu(%h) : f32[8,32]   // a comment
  return %y
}
)";
  auto m = parseOk(src);
  ASSERT_TRUE(m);
  EXPECT_EQ(printModule(*m),
            "mesh @mesh = <[\"data\"=2, \"model\"=2]>\n"
            "\n"
            "func @main(%x: f32[8,16] {sharding = <@mesh, [{\"data\"}, {}]>}, %w: f32[16,32]) -> "
            "(f32[8,32] {sharding = <@mesh, [{\"data\"}, {\"model\"}]>}) {\n"
            "  %h = einsum(%x, %w) {spec = \"bm,mh->bh\"} : f32[8,32]\n"
            "  %y = gelu(%h) : f32[8,32]\n"
            "  return %y\n"
            "}\n");
}

TEST(Parser, ShardingsLiveOnValuesAndResults) {
  auto m = parseOk(R"(mesh @m = <["a"=2, "b"=3]>
func @main(%x: f32[4,6] {bound = 64, sharding = <@m, [{"a"}, {}]>}) -> (f32[4,6] {sharding = <@m, [{}, {"b"}], unreduced={"a"}>, note = "r"}) attributes {partitioned = @m, sharding = <@m, []>} {
  %y = sharding_constraint(%x) {sharding = <@m, [{"a", "b"}, {}], replicated={"b"}>} : f32[4,6]
  %z = neg(%y) {other = <@m, [{}, {}]>} : f32[4,6]
  return %z
})");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->meshes.size(), 1u);
  EXPECT_EQ(m->meshes[0].axes[1].name, "b");
  EXPECT_EQ(m->meshes[0].axes[1].size, 3);
  Func *f = m->main();
  ASSERT_TRUE(f);
  // Argument: sharding on the Value, other attributes in argAttrs.
  ASSERT_TRUE(f->args[0]->sharding);
  EXPECT_EQ(f->args[0]->sharding->dims, (std::vector<std::vector<std::string>>{{"a"}, {}}));
  EXPECT_EQ(f->argAttrs[0].size(), 1u);
  EXPECT_EQ(f->argAttrs[0].at("bound").i, 64);
  // Result: sharding on FuncResult, the rest in its attrs.
  ASSERT_TRUE(f->results[0].sharding);
  EXPECT_EQ(f->results[0].sharding->unreduced, std::vector<std::string>{"a"});
  EXPECT_EQ(f->results[0].attrs.count("sharding"), 0u);
  EXPECT_EQ(f->results[0].attrs.at("note").s, "r");
  // Function attributes keep `sharding` as an ordinary attribute.
  EXPECT_EQ(f->partitionedMesh(), std::optional<std::string>("m"));
  EXPECT_EQ(f->attrs.at("sharding").kind, Attr::Kind::Sharding);
  EXPECT_EQ(f->attrs.at("sharding").sharding[0].rank(), 0);
  // Ops: sharding on the result value, never in the dict; elsewhere a Sharding attr.
  ASSERT_EQ(f->ops.size(), 2u);
  const Op &sc = *f->ops[0];
  EXPECT_EQ(sc.opcode, Opcode::ShardingConstraint);
  EXPECT_TRUE(sc.attrs.empty());
  ASSERT_TRUE(sc.result->sharding);
  EXPECT_EQ(sc.result->sharding->dims[0], (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(sc.result->sharding->replicated, std::vector<std::string>{"b"});
  EXPECT_EQ(sc.result->def, &sc);
  const Op &neg = *f->ops[1];
  EXPECT_FALSE(neg.result->sharding);
  EXPECT_EQ(neg.attr("other")->kind, Attr::Kind::Sharding);
  EXPECT_EQ(neg.operands[0], sc.result);
  EXPECT_EQ(f->returns[0], neg.result);
  EXPECT_EQ(f->args[0]->argIndex, 0);
  EXPECT_EQ(f->args[0]->def, nullptr);
}

TEST(Parser, LocationsPointAtTheirTokens) {
  auto m = parseOk("mesh @m = <[\"a\"=2]>\n"
                   "func @main(%x: f32[4] {sharding = <@m, [{}]>}) -> (f32[4]) {\n"
                   "  %y = neg(%x) {t.k = [1, 2]} : f32[4]\n"
                   "  return %y\n"
                   "}\n");
  ASSERT_TRUE(m);
  auto at = [](const Loc &l) { return std::to_string(l.line) + ":" + std::to_string(l.col); };
  EXPECT_EQ(at(m->meshes[0].loc), "1:1");
  Func *f = m->main();
  EXPECT_EQ(at(f->loc), "2:1");
  EXPECT_EQ(at(f->args[0]->loc), "2:12");
  EXPECT_EQ(at(f->args[0]->sharding->loc), "2:35");
  EXPECT_EQ(at(f->results[0].loc), "2:52");
  EXPECT_EQ(at(f->ops[0]->loc), "3:3");
  EXPECT_EQ(at(f->ops[0]->result->loc), "3:3");
  const Attr *k = f->ops[0]->attr("t.k");
  EXPECT_EQ(at(k->loc), "3:23");
  EXPECT_EQ(at(k->list[1].loc), "3:27");
  EXPECT_EQ(at(f->returnLoc), "4:3");
  ASSERT_TRUE(f->loc.file);
  EXPECT_EQ(*f->loc.file, "t.pir");
  EXPECT_EQ(f->loc.file, k->loc.file); // one shared file name
}

// `loc("file":line:col)` replaces the .pir position of an op or argument, and of their
// attributes and shardings; it is marked imported so that the printer writes it back.
TEST(Parser, SourceLocationsReplaceTextPositions) {
  auto m = parseOk(
      "mesh @m = <[\"a\"=2]>\n"
      "func @main(%x: f32[4] {bound = 3, sharding = <@m, [{}]>} loc(\"m.cpp\":7:9),\n"
      "           %w: f32[4] loc(unknown)) -> (f32[4]) {\n"
      "  %y = neg(%x) {sharding = <@m, [{\"a\"}]>, t.k = [1, 2]} : f32[4] loc(\"m.cpp\":12:5)\n"
      "  %z = neg(%y) : f32[4]\n"
      "  return %z\n"
      "}\n");
  ASSERT_TRUE(m);
  auto at = [](const Loc &l) {
    return (l.file ? *l.file : std::string("?")) + ":" + std::to_string(l.line) + ":" +
           std::to_string(l.col) + (l.imported ? " imported" : "");
  };
  Func *f = m->main();
  EXPECT_EQ(at(f->args[0]->loc), "m.cpp:7:9 imported");
  EXPECT_EQ(at(f->args[0]->sharding->loc), "m.cpp:7:9 imported");
  EXPECT_EQ(at(f->argAttrs[0].at("bound").loc), "m.cpp:7:9 imported");
  EXPECT_EQ(at(f->args[1]->loc), "t.pir:3:12");
  const Op &y = *f->ops[0];
  EXPECT_EQ(at(y.loc), "m.cpp:12:5 imported");
  EXPECT_EQ(at(y.result->loc), "m.cpp:12:5 imported");
  EXPECT_EQ(at(y.result->sharding->loc), "m.cpp:12:5 imported");
  EXPECT_EQ(at(y.attr("t.k")->list[1].loc), "m.cpp:12:5 imported");
  EXPECT_EQ(y.loc.file, f->args[0]->loc.file); // one shared file name
  EXPECT_EQ(at(f->ops[1]->loc), "t.pir:5:3");
  std::string printed = printModule(*m);
  EXPECT_NE(printed.find("{bound = 3, sharding = <@m, [{}]>} loc(\"m.cpp\":7:9), %w: f32[4])"),
            std::string::npos)
      << printed;
  EXPECT_NE(printed.find(": f32[4] loc(\"m.cpp\":12:5)\n  %z = neg(%y) : f32[4]\n"),
            std::string::npos)
      << printed;
  EXPECT_EQ(printModule(*parseOk(printed)), printed);
}

TEST(Parser, AttributeValues) {
  auto m = parseOk(R"(func @main(%x: f32[]) -> (f32[]) {
  %y = neg(%x) {a = -9223372036854775808, b = 1.5e3, c = "q\"\\\n\x41", d = true, e = @sym, f = bf16[2,0], g = [[1], [], [2.0, "s"]], h = -inf, i = nan, j = 7} : f32[]
  return %y
})");
  ASSERT_TRUE(m);
  const Op &op = *m->main()->ops[0];
  EXPECT_EQ(op.attr("a")->i, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(op.attr("b")->kind, Attr::Kind::Float);
  EXPECT_EQ(op.attr("b")->f, 1500.0);
  EXPECT_EQ(op.attr("c")->s, "q\"\\\nA");
  EXPECT_TRUE(op.attr("d")->b);
  EXPECT_EQ(op.attr("e")->kind, Attr::Kind::Symbol);
  EXPECT_EQ(op.attr("e")->s, "sym");
  EXPECT_EQ(op.attr("f")->type, TensorType(DType::BF16, {2, 0}));
  const Attr &g = *op.attr("g");
  ASSERT_EQ(g.list.size(), 3u);
  EXPECT_EQ(g.list[0].list[0].i, 1);
  EXPECT_TRUE(g.list[1].list.empty());
  EXPECT_EQ(g.list[2].list[1].s, "s");
  EXPECT_EQ(op.attr("h")->f, -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(op.attr("i")->f));
  EXPECT_EQ(op.attr("j")->kind, Attr::Kind::Int);
  EXPECT_EQ(printAttr(*op.attr("c")), "\"q\\\"\\\\\\nA\"");
}

TEST(Printer, FloatsReadBackExactlyAndStayFloats) {
  const double values[] = {0.0,
                           -0.0,
                           1.0,
                           -3.0,
                           0.1,
                           1e20,
                           1e-7,
                           5e-324,
                           1e300,
                           -2.5e-3,
                           123456789012345678.0,
                           std::numeric_limits<double>::max(),
                           std::numeric_limits<double>::infinity(),
                           -std::numeric_limits<double>::infinity()};
  for (double v : values) {
    std::string s = printAttr(Attr::ofFloat(v));
    EXPECT_NE(s.find_first_of(".ein"), std::string::npos) << s; // never mistaken for an int
    auto m = parseOk("func @f() -> () attributes {v = " + s + "} {\n  return\n}\n");
    ASSERT_TRUE(m);
    const Attr &a = m->funcs[0]->attrs.at("v");
    EXPECT_EQ(a.kind, Attr::Kind::Float) << s;
    EXPECT_EQ(a.f, v) << s;
    EXPECT_EQ(std::signbit(a.f), std::signbit(v)) << s;
  }
  EXPECT_EQ(printAttr(Attr::ofFloat(2.0)), "2.0");
  EXPECT_EQ(printAttr(Attr::ofFloat(0.5)), "0.5");
  EXPECT_EQ(printAttr(Attr::ofFloat(std::nan(""))), "nan");
}

TEST(Printer, EveryByteOfAStringReadsBack) {
  std::string all;
  for (int c = 0; c < 256; ++c)
    all += (char)c;
  std::string s = printAttr(Attr::ofString(all));
  EXPECT_EQ(s.find('\n'), std::string::npos);
  auto m = parseOk("func @f() -> () attributes {v = " + s + "} {\n  return\n}\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->funcs[0]->attrs.at("v").s, all);
}

TEST(Printer, BuiltModulesRoundTrip) {
  // A module made through the API (as passes make them), not from text.
  Module m;
  m.meshes.push_back(Mesh{"m", {{"x", 2}}, {}});
  auto f = std::make_unique<Func>();
  f->name = "main";
  Value *a = f->addArg("a", TensorType(DType::F32, {4}));
  a->sharding = Sharding::replicatedOf("m", 1);
  Builder b(*f);
  AttrDict attrs;
  attrs["value"] = Attr::ofFloat(-std::numeric_limits<double>::infinity());
  Value *c = b.create(Opcode::Constant, {}, attrs, TensorType(DType::F32, {4}), "v");
  Value *c2 = b.create(Opcode::Constant, {}, attrs, TensorType(DType::F32, {4}), "v");
  Value *mx = b.create(Opcode::Max, {a, c}, {}, TensorType(DType::F32, {4}), "v");
  mx->sharding = Sharding{"m", {{"x"}}, {}, {}, {}};
  Value *r = b.create(Opcode::Max, {mx, c2}, {}, TensorType(DType::F32, {4}), "v");
  f->returns = {r};
  f->results.push_back(FuncResult{TensorType(DType::F32, {4}), std::nullopt, {}, {}});
  m.funcs.push_back(std::move(f));
  std::string text = printModule(m);
  EXPECT_NE(text.find("%v.1 = constant() {value = -inf} : f32[4]"), std::string::npos) << text;
  EXPECT_NE(text.find("%v.2 = max(%a, %v) {sharding = <@m, [{\"x\"}]>} : f32[4]"),
            std::string::npos)
      << text;
  expectRoundTrip(text, "built");
  auto again = parseOk(text);
  ASSERT_TRUE(again);
  EXPECT_EQ(printModule(*again), text);
}

TEST(Parser, ConformanceErrorLocations) {
  auto e05 = kConformance / "e05_undefined_value.pir";
  auto e06 = kConformance / "e06_truncated.pir";
  auto e07 = kConformance / "e07_zero_axis.pir";
  if (!fs::exists(e05) || !fs::exists(e06) || !fs::exists(e07)) GTEST_SKIP();
  Diagnostic d = parseError(readFile(e05));
  EXPECT_EQ(d.loc.line, 7);
  EXPECT_EQ(d.loc.col, 16); // at the use of %z
  EXPECT_NE(d.message.find("undefined value '%z'"), std::string::npos) << d.message;
  d = parseError(readFile(e06));
  EXPECT_EQ(d.loc.line, 7);
  EXPECT_NE(d.message.find("end of file"), std::string::npos) << d.message;
  // A zero-sized axis is the verifier's business: it parses.
  auto m = parseOk(readFile(e07));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->meshes[0].axes[0].size, 0);
}

TEST(Parser, ErrorsAreLocated) {
  struct Case {
    const char *text;
    int line, col;
    const char *message;
  };
  const Case cases[] = {
      {"func @f(%x = f32[4]) -> () {\n  return\n}", 1, 12, "expected ':' but found '='"},
      {"mesh @m = <[\"a=2]>", 1, 13, "unterminated string"},
      {"mesh @m = <[\"a\"=2]>\nfunc @f(%x: f32[4] {s = \"\\q\"}) -> () {\n  return\n}", 2, 26,
       "unknown escape sequence '\\q' in string"},
      {"func @f(%x: f32[4]) -> () {\n  %y = blorp(%x) : f32[4]\n  return\n}", 2, 8,
       "unknown op 'blorp'"},
      {"func @f(%x: f16[4]) -> () {\n  return\n}", 1, 13, "unknown element type 'f16'"},
      {"func @f(%x: f32[4]) -> () {\n  %x = neg(%x) : f32[4]\n  return\n}", 2, 3,
       "redefinition of value '%x'"},
      {"func @f(%x: f32[4]) -> () {\n  %y = neg(%w) : f32[4]\n  return\n}", 2, 12,
       "use of undefined value '%w'"},
      {"func @f(%x: f32[4]) -> () {\n  %y = select(%x, %x) : f32[4]\n  return\n}", 2, 8,
       "op 'select' takes 3 operands but 2 were given"},
      {"func @f(%x: f32[4]) -> () {\n  %y = iota(%x) {dim = 0} : f32[4]\n  return\n}", 2, 8,
       "op 'iota' takes 0 operands but 1 was given"},
      {"func @f(%x: f32[4]) -> () {\n  %y = dynamic_slice() : f32[4]\n  return\n}", 2, 8,
       "op 'dynamic_slice' takes at least one operand"},
      {"func @f() -> () attributes {a = 1, b = 2, a = 3} {\n  return\n}", 1, 43,
       "duplicate attribute 'a'"},
      {"mesh @m = <[\"a\"=2]>\nmesh @m = <[\"a\"=2]>", 2, 6, "redefinition of mesh @m"},
      {"func @f() -> () {\n  return\n}\nfunc @f() -> () {\n  return\n}", 4, 6,
       "redefinition of function @f"},
      {"func @f(%x: f32[4]) -> () {\n  %y = neg(%x) : f32[4]\n}", 3, 1,
       "function @f ends without a 'return'"},
      {"func @f(%x: f32[99999999999999999999]) -> () {\n  return\n}", 1, 17,
       "integer literal out of range"},
      {"func @f(%x: f32[4]) -> (f32[4]) {\n  return %x\n", 2, 12,
       "expected ',' or '}' but found end of file"},
      {"func @f(%x: f32[4]) -> (f32[4]) {\n  return %x,\n\n// tail\n", 2, 13,
       "expected a value such as %name but found end of file"},
      {"func @f(%x: f32[4]) -> (f32[4]) {\n  return %x\n}\nfoo", 4, 1,
       "expected 'mesh' or 'func' but found 'foo'"},
      {"func @f() -> () attributes {a = @} {\n  return\n}", 1, 33, "expected a name after '@'"},
      {"func @f() -> () attributes {a = 1.} {\n  return\n}", 1, 33,
       "expected a digit after '.' in a number"},
      {"func @f() -> () attributes {a = <@m, [{}], replicated={}, replicated={}>} {\n  return\n}",
       1, 59, "expected 'unreduced' but found 'replicated'"},
      {"mesh @m = <[\"a\"=2]>\x01", 1, 20, "unexpected character '\\x01'"},
  };
  for (const auto &c : cases) {
    Diagnostic d = parseError(c.text);
    EXPECT_EQ(d.loc.line, c.line) << c.text;
    EXPECT_EQ(d.loc.col, c.col) << c.text;
    EXPECT_NE(d.message.find(c.message), std::string::npos) << c.text << "\n" << d.message;
    EXPECT_EQ(d.str().rfind("t.pir:" + std::to_string(c.line) + ":", 0), 0u) << d.str();
  }
}

TEST(Parser, DeepNestingIsAnErrorNotACrash) {
  std::string deep(100000, '[');
  Diagnostic d = parseError("func @f() -> () attributes {a = " + deep + "} {\n  return\n}");
  EXPECT_NE(d.message.find("nested deeper"), std::string::npos) << d.message;
  std::string ok = std::string(60, '[') + std::string(60, ']');
  EXPECT_TRUE(parseOk("func @f() -> () attributes {a = " + ok + "} {\n  return\n}"));
}

TEST(Parser, EveryPrefixOfAFileParsesOrFailsCleanly) {
  const char *src = R"(mesh @mesh = <["data"=2, "model"=2]>  // comment
func @main(%x: f32[8,16] {sharding = <@mesh, [{"data"}, {}], unreduced={"model"}>}, %w: f32[16,32])
    -> (f32[8,32] {sharding = <@mesh, [{"data"}, {"model"}]>}) attributes {t = [1.5e-3, -2, "s\n"]} {
  %h = einsum(%x, %w) {spec = "bm,mh->bh"} : f32[8,32]
  return %h
}
)";
  std::string s = src;
  int parsed = 0;
  for (size_t n = 0; n <= s.size(); ++n) {
    Diagnostics d;
    auto m = parseModule(std::string_view(s.data(), n), "p.pir", d);
    if (m) {
      ++parsed;
      expectRoundTrip(s.substr(0, n), "prefix");
    } else {
      ASSERT_EQ(d.all().size(), 1u);
      EXPECT_TRUE(d.all()[0].loc.known());
    }
  }
  // The empty prefix, the mesh alone (with or without its comment) and the whole file.
  EXPECT_GE(parsed, 3);
}

TEST(Parser, BinaryInputFailsCleanly) {
  std::string nul("func @f\0() -> ()", 16);
  Diagnostic d = parseError(nul);
  EXPECT_EQ(d.loc.col, 8);
  EXPECT_NE(d.message.find("\\x00"), std::string::npos) << d.message;
  std::string bytes;
  for (int i = 0; i < 4096; ++i)
    bytes += (char)((i * 2654435761u) >> 13);
  Diagnostics diags;
  EXPECT_FALSE(parseModule(bytes, "bin", diags));
  EXPECT_EQ(diags.all().size(), 1u);
  // Non-ASCII bytes inside strings are kept as they are.
  auto m = parseOk("mesh @m = <[\"\xc3\xa9\xff\"=2]>");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->meshes[0].axes[0].name, "\xc3\xa9\xff");
  EXPECT_TRUE(parseOk("")); // an empty module
}

TEST(Parser, ParseShardingHelper) {
  std::string err;
  auto s = parseSharding(R"(<@m, [{"a", "b"}, {}], replicated={"c"}, unreduced={"d"}>)", &err);
  ASSERT_TRUE(s) << err;
  EXPECT_EQ(s->mesh, "m");
  EXPECT_EQ(s->dims, (std::vector<std::vector<std::string>>{{"a", "b"}, {}}));
  EXPECT_EQ(s->replicated, std::vector<std::string>{"c"});
  EXPECT_EQ(s->unreduced, std::vector<std::string>{"d"});
  EXPECT_TRUE(parseSharding("  <@m, []>  ", nullptr));
  EXPECT_FALSE(parseSharding("<@m, [{}]> extra", &err));
  EXPECT_NE(err.find("expected end of input but found 'extra'"), std::string::npos) << err;
  EXPECT_FALSE(parseSharding("<@m, [{\"a\"}", &err));
  EXPECT_NE(err.find("end of file"), std::string::npos) << err;
  EXPECT_FALSE(parseSharding("", &err));
}

} // namespace
