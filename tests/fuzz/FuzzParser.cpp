// libFuzzer target for the text format: any bytes must either parse or give exactly one
// located error, never crash; whatever parses must verify without crashing and print to
// text that parses again and prints identically (the round trip of spec section 1).
#include "ir/Parser.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

using namespace partita;

static void die(const char *what, const std::string &a, const std::string &b = "") {
  std::fprintf(stderr, "partita-fuzz-parser: %s\n--- first ---\n%s\n--- second ---\n%s\n", what,
               a.c_str(), b.c_str());
  std::abort();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view text(reinterpret_cast<const char *>(data), size);
  Diagnostics diags;
  auto m = parseModule(text, "fuzz.pir", diags);
  if (!m) {
    if (diags.all().size() != 1 || !diags.all()[0].loc.known())
      die("a failed parse must give exactly one located error", std::string(text));
    return 0;
  }
  if (diags.hasErrors()) die("parse succeeded but reported an error", diags.all()[0].str());
  Diagnostics verifyDiags;
  verifyModule(*m, verifyDiags);

  std::string printed = printModule(*m);
  Diagnostics again;
  auto m2 = parseModule(printed, "printed.pir", again);
  if (!m2) die("printed text does not parse", printed, again.all()[0].str());
  std::string reprinted = printModule(*m2);
  if (printed != reprinted) die("printing is not idempotent", printed, reprinted);
  return 0;
}
