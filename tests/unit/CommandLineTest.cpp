// The tools' shared command-line scaffold (tools/driver/CommandLine.h): how values are
// taken, which errors are reported, and the --help layout every tool relies on.
#include "tools/driver/CommandLine.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

using namespace partita::driver;

namespace {

using Arity = Option::Arity;

// Parses `args` (after the program name); returns the exit code or -1 to go on, and the
// text written on stderr.
int parse(const CommandLine &cl, std::vector<std::string> args, std::string *err = nullptr) {
  std::vector<char *> argv = {(char *)"tool"};
  for (std::string &a : args)
    argv.push_back(a.data());
  testing::internal::CaptureStderr();
  std::optional<int> code = cl.parse((int)argv.size(), argv.data());
  std::string e = testing::internal::GetCapturedStderr();
  if (err) *err = e;
  return code ? *code : -1;
}

struct Fixture {
  std::string eitherV, joinedV, sepV;
  bool flag = false;
  std::vector<std::string> files, rest;
  CommandLine cl{"tool", "tool [FILE]", "Does things.", 16};
  Fixture() {
    cl.value({"--either"}, Arity::Either, "--either V", "either form", "",
             [this](const std::string &v) {
               eitherV = v;
               return v == "bad" ? std::string("--either got bad") : std::string();
             })
        .value({"--joined"}, Arity::Joined, "--joined=V", "joined only", "--joined needs =V",
               [this](const std::string &v) { return joinedV = v, std::string(); })
        .value({"-o"}, Arity::Separate, "-o FILE", "separate only\nsecond line", "-o needs a file",
               [this](const std::string &v) { return sepV = v, std::string(); })
        .flag({"--flag", "-f"}, "-f, --flag", "a flag", [this] { flag = true; })
        .positional([this](const std::string &a) { return files.push_back(a), std::string(); })
        .afterDashDash("-- ARGS", "the rest", [this](std::vector<std::string> r) { rest = r; })
        .section("notes:\n  none\n")
        .examples("  tool x\n");
  }
};

TEST(CommandLine, ValueForms) {
  Fixture f;
  EXPECT_EQ(parse(f.cl, {"--either", "a", "--joined=b", "-o", "c", "-f", "x", "-", "--", "-z"}),
            -1);
  EXPECT_EQ(f.eitherV, "a");
  EXPECT_EQ(f.joinedV, "b");
  EXPECT_EQ(f.sepV, "c");
  EXPECT_TRUE(f.flag);
  EXPECT_EQ(f.files, (std::vector<std::string>{"x", "-"}));
  EXPECT_EQ(f.rest, (std::vector<std::string>{"-z"}));
  Fixture g;
  EXPECT_EQ(parse(g.cl, {"--either=-1"}), -1);
  EXPECT_EQ(g.eitherV, "-1");
  // A separate value may itself start with '-'.
  EXPECT_EQ(parse(g.cl, {"--either", "-2"}), -1);
  EXPECT_EQ(g.eitherV, "-2");
}

TEST(CommandLine, Errors) {
  Fixture f;
  std::string err;
  EXPECT_EQ(parse(f.cl, {"--bogus"}, &err), 1);
  EXPECT_EQ(err, "tool: error: unknown option '--bogus' (see --help)\n");
  EXPECT_EQ(parse(f.cl, {"--joined"}, &err), 1);
  EXPECT_EQ(err, "tool: error: --joined needs =V\n");
  EXPECT_EQ(parse(f.cl, {"-o"}, &err), 1);
  EXPECT_EQ(err, "tool: error: -o needs a file\n");
  // -o takes no joined value; a flag takes no value at all.
  EXPECT_EQ(parse(f.cl, {"-o=x"}, &err), 1);
  EXPECT_EQ(err, "tool: error: unknown option '-o=x' (see --help)\n");
  EXPECT_EQ(parse(f.cl, {"--flag=1"}, &err), 1);
  EXPECT_EQ(err, "tool: error: unknown option '--flag=1' (see --help)\n");
  // The default message for a missing value, and a handler's own error.
  EXPECT_EQ(parse(f.cl, {"--either"}, &err), 1);
  EXPECT_EQ(err, "tool: error: --either needs a value\n");
  EXPECT_EQ(parse(f.cl, {"--either=bad"}, &err), 1);
  EXPECT_EQ(err, "tool: error: --either got bad\n");
  // Parsing stops at the first error: later arguments are not applied.
  Fixture g;
  EXPECT_EQ(parse(g.cl, {"--bogus", "-f"}), 1);
  EXPECT_FALSE(g.flag);
}

TEST(CommandLine, UnexpectedArgumentWithoutPositional) {
  CommandLine cl("t", "t", "d", 10);
  cl.unexpectedArgument("unexpected argument");
  std::string err;
  EXPECT_EQ(parse(cl, {"x"}, &err), 1);
  EXPECT_EQ(err, "t: error: unexpected argument 'x' (see --help)\n");
  EXPECT_EQ(parse(cl, {"--"}, &err), 1); // no afterDashDash: "--" is an unknown option
  EXPECT_EQ(err, "t: error: unknown option '--' (see --help)\n");
}

TEST(CommandLine, HelpLayout) {
  Fixture f;
  std::ostringstream os;
  f.cl.printHelp(os);
  EXPECT_EQ(os.str(), "usage: tool [FILE]\n"
                      "\n"
                      "Does things.\n"
                      "\n"
                      "options:\n"
                      "  --either V    either form\n"
                      "  --joined=V    joined only\n"
                      "  -o FILE       separate only\n"
                      "                second line\n"
                      "  -f, --flag    a flag\n"
                      "  -- ARGS       the rest\n"
                      "  -h, --help    show this help\n"
                      "\n"
                      "notes:\n"
                      "  none\n"
                      "\n"
                      "examples:\n"
                      "  tool x\n");
}

// Program inputs: whole files read back, devices refused before reading, and input past
// the limit refused (the tools use 1 GiB; a small limit here reads the same code path).
TEST(CommandLine, ReadInputTextBoundsAndRefusesDevices) {
  std::string dir = testing::TempDir();
  std::string path = dir + "/partita-input-test.pir";
  {
    std::ofstream f(path, std::ios::binary);
    f << std::string(5000, 'x');
  }
  std::string text;
  EXPECT_EQ(readInputText(path, &text), "");
  EXPECT_EQ(text, std::string(5000, 'x'));
  EXPECT_EQ(readInputText(path, &text, 5000), "");
  EXPECT_EQ(readInputText(path, &text, 4999),
            path + ": error: the input is larger than 4999 bytes");
  EXPECT_EQ(readInputText("/dev/zero", &text),
            "/dev/zero: error: not a regular file or pipe (a device or socket): cannot read a "
            "program from it");
  EXPECT_EQ(readInputText(dir + "/no-such-file.pir", &text),
            dir + "/no-such-file.pir: error: cannot open the input file");
  EXPECT_EQ(readInputText(dir, &text), dir + ": error: cannot open the input file");
  std::remove(path.c_str());
}

} // namespace
