// Element types, tensor types, locations and diagnostics.
#include "ir/Types.h"

#include <sstream>

namespace partita {

const char *dtypeName(DType t) {
  switch (t) {
  case DType::F32: return "f32";
  case DType::BF16: return "bf16";
  case DType::I32: return "i32";
  case DType::I1: return "i1";
  }
  return "?";
}

std::optional<DType> parseDType(const std::string &s) {
  if (s == "f32") return DType::F32;
  if (s == "bf16") return DType::BF16;
  if (s == "i32") return DType::I32;
  if (s == "i1") return DType::I1;
  return std::nullopt;
}

int64_t dtypeBytes(DType t) {
  switch (t) {
  case DType::F32: case DType::I32: return 4;
  case DType::BF16: return 2;
  case DType::I1: return 1;
  }
  return 4;
}

int64_t TensorType::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string TensorType::str() const {
  std::string s = dtypeName(dtype);
  s += '[';
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(shape[i]);
  }
  s += ']';
  return s;
}

std::string Loc::str() const {
  if (!known()) return file ? *file : std::string("<unknown>");
  return (file ? *file : std::string("<input>")) + ":" + std::to_string(line) + ":" + std::to_string(col);
}

std::string Diagnostic::str() const {
  const char *sev = severity == Severity::Error ? "error" : severity == Severity::Warning ? "warning" : "note";
  return loc.str() + ": " + sev + ": " + message;
}

void Diagnostics::error(const Loc &loc, std::string msg) {
  list_.push_back({Diagnostic::Severity::Error, loc, std::move(msg)});
  ++errors_;
}

void Diagnostics::warning(const Loc &loc, std::string msg) {
  list_.push_back({Diagnostic::Severity::Warning, loc, std::move(msg)});
}

void Diagnostics::print(std::ostream &os) const {
  for (const auto &d : list_) os << d.str() << "\n";
}

} // namespace partita
