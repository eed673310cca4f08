// Module → text (spec section 1): deterministic, attributes sorted by name, one statement
// a line, so that print(parse(print(m))) == print(m).
#pragma once

#include "ir/IR.h"

#include <ostream>
#include <string>

namespace partita {

void printModule(const Module &m, std::ostream &os);
std::string printModule(const Module &m);
std::string printOp(const Op &op);       // one statement without indentation, newline or loc
std::string printAttr(const Attr &a);

} // namespace partita
