// Element types, tensor types, source locations and diagnostics: the vocabulary every
// other part of Partita speaks.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace partita {

enum class DType { F32, BF16, I32, I1 };

const char *dtypeName(DType t);
std::optional<DType> parseDType(const std::string &s);
// Bytes one element occupies in memory and in collectives (bf16 is 2, i1 is 1).
int64_t dtypeBytes(DType t);
inline bool isFloat(DType t) { return t == DType::F32 || t == DType::BF16; }

struct TensorType {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;

  TensorType() = default;
  TensorType(DType d, std::vector<int64_t> s) : dtype(d), shape(std::move(s)) {}
  int rank() const { return (int)shape.size(); }
  int64_t numElements() const;
  int64_t bytes() const { return numElements() * dtypeBytes(dtype); }
  std::string str() const; // "f32[8,16]"
  bool operator==(const TensorType &o) const { return dtype == o.dtype && shape == o.shape; }
  bool operator!=(const TensorType &o) const { return !(*this == o); }
};

// Source position; file is shared so copying locations stays cheap.
struct Loc {
  std::shared_ptr<const std::string> file;
  int line = 0, col = 0;
  // True for a position the IR carries from elsewhere (a frontend's source line, or a
  // `loc("file":line:col)` read from the text) rather than the op's place in the .pir file
  // being parsed. The printer writes these as `loc(...)`, so they survive the text format
  // and diagnostics keep pointing at the user's source.
  bool imported = false;
  std::string str() const; // "file:line:col" (or "<unknown>")
  bool known() const { return line > 0; }
};

struct Diagnostic {
  enum class Severity { Error, Warning, Note } severity = Severity::Error;
  Loc loc;
  std::string message;
  std::string str() const; // "file:line:col: error: message"
};

// Collects diagnostics; passes report errors and warnings here instead of printing.
class Diagnostics {
public:
  void error(const Loc &loc, std::string msg);
  void warning(const Loc &loc, std::string msg);
  bool hasErrors() const { return errors_ > 0; }
  const std::vector<Diagnostic> &all() const { return list_; }
  void print(std::ostream &os) const;
  void clear() { list_.clear(); errors_ = 0; }

private:
  std::vector<Diagnostic> list_;
  int errors_ = 0;
};

} // namespace partita
