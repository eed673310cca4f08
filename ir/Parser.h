// Text format → Module (spec section 1). Syntax and name errors become located
// diagnostics; semantic checks are the verifier's job.
#pragma once

#include "ir/IR.h"

#include <memory>
#include <string>
#include <string_view>

namespace partita {

// Returns nullptr after adding at least one error to `diags`. Never crashes or hangs on
// any input.
std::unique_ptr<Module> parseModule(std::string_view text, const std::string &filename,
                                    Diagnostics &diags);
// Parses a sharding such as `<@mesh, [{"a"}, {}]>` (used by tools and frontends).
std::optional<Sharding> parseSharding(std::string_view text, std::string *error);

} // namespace partita
