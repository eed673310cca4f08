// Einsum specification parsing.
#include "ir/Einsum.h"

#include "ir/IR.h"
#include "ir/OpAttrs.h"

#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

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

const EinsumSpec &EinsumSpec::cached(const std::string &spec) {
  static std::mutex mu;
  static std::map<std::string, EinsumSpec> parsed; // node-based: references stay valid
  std::lock_guard<std::mutex> lock(mu);
  auto it = parsed.find(spec);
  if (it == parsed.end())
    it = parsed.emplace(spec, parse(spec, nullptr).value_or(EinsumSpec{})).first;
  return it->second;
}

int64_t einsumFlops(const Op &op) {
  const EinsumSpec &spec = EinsumOp(op).spec();
  std::unordered_map<char, int64_t> size;
  for (size_t i = 0; i < spec.inputs.size() && i < op.operands.size(); ++i)
    for (size_t k = 0; k < spec.inputs[i].size() && k < op.operands[i]->type.shape.size(); ++k)
      size[spec.inputs[i][k]] = op.operands[i]->type.shape[k];
  if (spec.inputs.empty()) return 0; // unparsable spec
  int64_t n = 2;
  for (const auto &[c, s] : size)
    if (__builtin_mul_overflow(n, s, &n)) n = std::numeric_limits<int64_t>::max();
  return n;
}

std::string EinsumSpec::contracted() const {
  std::string out;
  for (const auto &in : inputs)
    for (char c : in)
      if (output.find(c) == std::string::npos && out.find(c) == std::string::npos) out += c;
  return out;
}

} // namespace partita
