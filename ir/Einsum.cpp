// Einsum specification parsing.
#include "ir/Einsum.h"

#include <set>

namespace partita {

std::optional<EinsumSpec> EinsumSpec::parse(const std::string &spec, std::string *error) {
  auto fail = [&](std::string msg) -> std::optional<EinsumSpec> {
    if (error) *error = std::move(msg);
    return std::nullopt;
  };
  auto arrow = spec.find("->");
  if (arrow == std::string::npos) return fail("einsum spec \"" + spec + "\" has no \"->\"");
  EinsumSpec s;
  std::string lhs = spec.substr(0, arrow);
  s.output = spec.substr(arrow + 2);
  std::string cur;
  for (char c : lhs) {
    if (c == ',') {
      s.inputs.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  s.inputs.push_back(cur);
  std::set<char> inputLetters;
  for (const auto &in : s.inputs) {
    std::set<char> seen;
    for (char c : in) {
      if (c < 'a' || c > 'z') return fail("einsum spec \"" + spec + "\" has a character that is not a lowercase letter");
      if (!seen.insert(c).second) return fail("einsum spec \"" + spec + "\" repeats letter '" + std::string(1, c) + "' in one operand");
      inputLetters.insert(c);
    }
  }
  std::set<char> seen;
  for (char c : s.output) {
    if (c < 'a' || c > 'z') return fail("einsum spec \"" + spec + "\" has a character that is not a lowercase letter");
    if (!seen.insert(c).second) return fail("einsum spec \"" + spec + "\" repeats letter '" + std::string(1, c) + "' in the output");
    if (!inputLetters.count(c)) return fail("einsum output letter '" + std::string(1, c) + "' appears in no operand");
  }
  return s;
}

std::string EinsumSpec::contracted() const {
  std::string out;
  for (const auto &in : inputs)
    for (char c : in)
      if (output.find(c) == std::string::npos && out.find(c) == std::string::npos) out += c;
  return out;
}

std::string EinsumSpec::str() const {
  std::string s;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (i) s += ',';
    s += inputs[i];
  }
  return s + "->" + output;
}

} // namespace partita
