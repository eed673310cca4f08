// NumPy .npy reading and writing (format versions 1.0, 2.0 and 3.0, C order only). Stored
// types: '<f4', '<i4' and '|b1' map to f32, i32 and i1; '<f8' and '<i8' are accepted too and
// converted on reading (f8 rounds to f32; an i8 value outside the i32 range is an error).
// Headers are parsed strictly, so a damaged file gives a clear message, never a crash.
#include "ir/Npy.h"
#include "ir/FileIO.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <unistd.h>

namespace partita {

static_assert(std::endian::native == std::endian::little,
              "the .npy code assumes a little-endian host");

namespace {

enum class Stored { F4, F8, I4, I8, B1 };

struct Header {
  Stored stored = Stored::F4;
  std::string descr;
  std::vector<int64_t> shape;
  int64_t dataOffset = 0; // where the elements start
  int64_t count = 0;      // number of elements
};

int itemSize(Stored s) {
  switch (s) {
  case Stored::F4:
  case Stored::I4:
    return 4;
  case Stored::F8:
  case Stored::I8:
    return 8;
  case Stored::B1:
    return 1;
  }
  return 1;
}

DType dtypeOf(Stored s) {
  switch (s) {
  case Stored::F4:
  case Stored::F8:
    return DType::F32;
  case Stored::I4:
  case Stored::I8:
    return DType::I32;
  case Stored::B1:
    return DType::I1;
  }
  return DType::F32;
}

std::string shapeTuple(const std::vector<int64_t> &shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

// A parser for the Python dict literal of a .npy header.
class DictParser {
public:
  explicit DictParser(const std::string &s) : s_(s) {}

  bool parse(Header *h, std::string *error) {
    bool haveDescr = false, haveOrder = false, haveShape = false;
    skip();
    if (!eat('{')) return fail(error, "the header is not a Python dict");
    while (true) {
      skip();
      if (eat('}')) break;
      std::string key;
      if (!str(&key)) return fail(error, "expected a quoted key in the header");
      skip();
      if (!eat(':')) return fail(error, "expected ':' after key '" + key + "' in the header");
      skip();
      if (key == "descr") {
        if (!str(&h->descr)) return fail(error, "'descr' in the header must be a string");
        haveDescr = true;
      } else if (key == "fortran_order") {
        bool fortran;
        if (word("True"))
          fortran = true;
        else if (word("False"))
          fortran = false;
        else
          return fail(error, "'fortran_order' in the header must be True or False");
        if (fortran)
          return fail(error, "arrays in Fortran order are not supported (save a C-order array)");
        haveOrder = true;
      } else if (key == "shape") {
        if (!tuple(&h->shape, error)) return false;
        haveShape = true;
      } else {
        return fail(error, "unexpected key '" + key + "' in the header");
      }
      skip();
      if (eat(',')) continue;
      skip();
      if (eat('}')) break;
      return fail(error, "expected ',' or '}' in the header");
    }
    if (!haveDescr || !haveOrder || !haveShape)
      return fail(error, "the header lacks 'descr', 'fortran_order' or 'shape'");
    return true;
  }

private:
  const std::string &s_;
  size_t p_ = 0;

  static bool fail(std::string *error, std::string msg) {
    *error = "bad .npy header: " + std::move(msg);
    return false;
  }
  void skip() {
    while (p_ < s_.size() && (s_[p_] == ' ' || s_[p_] == '\t' || s_[p_] == '\n'))
      ++p_;
  }
  bool eat(char c) {
    if (p_ < s_.size() && s_[p_] == c) return ++p_, true;
    return false;
  }
  bool word(const char *w) {
    size_t n = std::strlen(w);
    if (s_.compare(p_, n, w) != 0) return false;
    p_ += n;
    return true;
  }
  bool str(std::string *out) {
    if (p_ >= s_.size() || (s_[p_] != '\'' && s_[p_] != '"')) return false;
    char q = s_[p_++];
    size_t end = s_.find(q, p_);
    if (end == std::string::npos) return false;
    *out = s_.substr(p_, end - p_);
    p_ = end + 1;
    return true;
  }
  bool tuple(std::vector<int64_t> *out, std::string *error) {
    if (!eat('(')) return fail(error, "'shape' in the header must be a tuple");
    while (true) {
      skip();
      if (eat(')')) return true;
      int64_t v = 0;
      size_t start = p_;
      while (p_ < s_.size() && s_[p_] >= '0' && s_[p_] <= '9') {
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, s_[p_] - '0', &v))
          return fail(error, "a dimension in 'shape' is too large");
        ++p_;
      }
      if (p_ == start) return fail(error, "'shape' must hold non-negative integers");
      out->push_back(v);
      skip();
      if (eat(',')) continue;
      skip();
      if (eat(')')) return true;
      return fail(error, "expected ',' or ')' in 'shape'");
    }
  }
};

bool readHeader(std::ifstream &in, Header *h, std::string *error) {
  in.seekg(0, std::ios::end);
  auto fileSize = (int64_t)in.tellg();
  in.seekg(0);
  unsigned char pre[8];
  if (!in.read((char *)pre, 8) || std::memcmp(pre, "\x93NUMPY", 6) != 0) {
    *error = "not a .npy file (bad magic string)";
    return false;
  }
  int major = pre[6];
  if (major < 1 || major > 3) {
    *error =
        "unsupported .npy format version " + std::to_string(major) + "." + std::to_string(pre[7]);
    return false;
  }
  int64_t len = 0;
  unsigned char lb[4] = {};
  int lenBytes = major == 1 ? 2 : 4;
  if (!in.read((char *)lb, lenBytes)) {
    *error = "truncated .npy header";
    return false;
  }
  for (int i = lenBytes - 1; i >= 0; --i)
    len = len * 256 + lb[i];
  int64_t start = 8 + lenBytes;
  if (len > fileSize - start || len > (int64_t)64 << 20) {
    *error = "truncated or oversized .npy header (" + std::to_string(len) + " bytes)";
    return false;
  }
  std::string text((size_t)len, '\0');
  if (!in.read(text.data(), len)) {
    *error = "truncated .npy header";
    return false;
  }
  if (!DictParser(text).parse(h, error)) return false;
  static const std::pair<const char *, Stored> kTypes[] = {{"<f4", Stored::F4}, {"<f8", Stored::F8},
                                                           {"<i4", Stored::I4}, {"<i8", Stored::I8},
                                                           {"|b1", Stored::B1}, {"?", Stored::B1}};
  bool known = false;
  for (const auto &[name, s] : kTypes)
    if (h->descr == name) h->stored = s, known = true;
  if (!known) {
    *error =
        "unsupported array type '" + h->descr + "' (expected '<f4', '<i4', '|b1', '<f8' or '<i8')";
    return false;
  }
  h->dataOffset = start + len;
  h->count = 1;
  for (int64_t d : h->shape)
    if (__builtin_mul_overflow(h->count, d, &h->count)) {
      *error = "array shape " + shapeTuple(h->shape) + " is too large";
      return false;
    }
  int64_t bytes;
  if (__builtin_mul_overflow(h->count, (int64_t)itemSize(h->stored), &bytes) ||
      bytes > fileSize - h->dataOffset) {
    *error = "truncated .npy file: shape " + shapeTuple(h->shape) + " of '" + h->descr +
             "' needs " + std::to_string(h->count) + " elements but the file is only " +
             std::to_string(fileSize) + " bytes";
    return false;
  }
  return true;
}

bool open(const std::string &path, std::ifstream &in, std::string *error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    *error = "cannot open: is a directory";
    return false;
  }
  // Opening a FIFO blocks until a writer appears, and a device has no end: only regular
  // files hold arrays.
  auto st = std::filesystem::status(path, ec);
  if (std::filesystem::exists(st) && !std::filesystem::is_regular_file(st)) {
    *error = "cannot open: not a regular file";
    return false;
  }
  in.open(path, std::ios::binary);
  if (!in) {
    *error = std::string("cannot open: ") + std::strerror(errno);
    return false;
  }
  return true;
}

// Converts `n` stored elements at `src` to doubles at `dst`.
bool convert(const Header &h, const char *src, int64_t n, double *dst, std::string *error) {
  for (int64_t i = 0; i < n; ++i) {
    const char *p = src + i * itemSize(h.stored);
    switch (h.stored) {
    case Stored::F4: {
      float f;
      std::memcpy(&f, p, 4);
      dst[i] = f;
      break;
    }
    case Stored::F8: {
      double d;
      std::memcpy(&d, p, 8);
      dst[i] = (float)d;
      break;
    }
    case Stored::I4: {
      int32_t v;
      std::memcpy(&v, p, 4);
      dst[i] = v;
      break;
    }
    case Stored::I8: {
      int64_t v;
      std::memcpy(&v, p, 8);
      if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
        *error = "'<i8' value " + std::to_string(v) + " does not fit in i32";
        return false;
      }
      dst[i] = (double)v;
      break;
    }
    case Stored::B1:
      dst[i] = *p != 0;
      break;
    }
  }
  return true;
}

// Checks a stored array against the type the program expects.
bool matches(const Header &h, const TensorType &expected, std::string *error) {
  DType d = dtypeOf(h.stored);
  bool typeOk = d == expected.dtype || (expected.dtype == DType::BF16 && d == DType::F32);
  if (typeOk && h.shape == expected.shape) return true;
  *error = "holds a '" + h.descr + "' array of shape " + shapeTuple(h.shape) + " (" +
           TensorType(d, h.shape).str() + "), expected " + expected.str();
  return false;
}

// Reads the whole array, checked against `expected` when given.
bool readWhole(const std::string &path, const TensorType *expected, Tensor *out,
               std::string *error) {
  std::ifstream in;
  Header h;
  if (!open(path, in, error) || !readHeader(in, &h, error)) return false;
  if (expected && !matches(h, *expected, error)) return false;
  std::vector<char> raw((size_t)(h.count * itemSize(h.stored)));
  in.seekg(h.dataOffset);
  if (!in.read(raw.data(), (std::streamsize)raw.size())) {
    *error = "read error in the array data";
    return false;
  }
  Tensor t(TensorType(expected ? expected->dtype : dtypeOf(h.stored), h.shape));
  if (!convert(h, raw.data(), h.count, t.data.data(), error)) return false;
  roundAll(t); // f32 data read as bf16 rounds to nearest even
  *out = std::move(t);
  return true;
}

} // namespace

bool readNpy(const std::string &path, Tensor *out, std::string *error) {
  return readWhole(path, nullptr, out, error);
}

bool readNpyAs(const std::string &path, const TensorType &expected, Tensor *out,
               std::string *error) {
  return readWhole(path, &expected, out, error);
}

bool readNpyInfo(const std::string &path, NpyInfo *out, std::string *error) {
  std::ifstream in;
  Header h;
  if (!open(path, in, error) || !readHeader(in, &h, error)) return false;
  out->descr = h.descr;
  out->shape = h.shape;
  return true;
}

bool readNpySlice(const std::string &path, const TensorType &global,
                  const std::vector<int64_t> &offsets, const std::vector<int64_t> &sizes,
                  Tensor *out, std::string *error) {
  std::ifstream in;
  Header h;
  if (!open(path, in, error) || !readHeader(in, &h, error) || !matches(h, global, error))
    return false;
  int rank = global.rank();
  if ((int)offsets.size() != rank || (int)sizes.size() != rank) {
    *error = "slice box rank does not match " + global.str();
    return false;
  }
  Tensor t(TensorType(global.dtype, sizes));
  if (t.size() == 0) {
    *out = std::move(t);
    return true;
  }
  // Rows are runs along the last dimension; the box's valid extent per dimension is
  // clipped at the array's end, the rest stays zero.
  std::vector<int64_t> valid(rank);
  for (int i = 0; i < rank; ++i) {
    if (offsets[i] < 0 || sizes[i] < 0) {
      *error = "negative slice box";
      return false;
    }
    valid[i] = std::max<int64_t>(0, std::min(sizes[i], global.shape[i] - offsets[i]));
    if (valid[i] == 0) {
      *out = std::move(t);
      return true;
    }
  }
  int64_t item = itemSize(h.stored);
  int64_t rowLen = rank ? valid[rank - 1] : 1;
  std::vector<int64_t> outer(valid.begin(), valid.end() - (rank ? 1 : 0));
  std::vector<int64_t> fileStrides(rank, 1), boxStrides = t.strides();
  for (int i = rank - 2; i >= 0; --i)
    fileStrides[i] = fileStrides[i + 1] * global.shape[i + 1];
  std::vector<char> raw((size_t)(rowLen * item));
  std::vector<int64_t> idx(outer.size(), 0);
  int64_t rows = 1;
  for (int64_t v : outer)
    rows *= v;
  for (int64_t r = 0; r < rows; ++r) {
    int64_t fo = rank ? offsets[rank - 1] : 0, bo = 0;
    for (size_t i = 0; i < outer.size(); ++i) {
      fo += (offsets[i] + idx[i]) * fileStrides[i];
      bo += idx[i] * boxStrides[i];
    }
    in.seekg(h.dataOffset + fo * item);
    if (!in.read(raw.data(), (std::streamsize)raw.size())) {
      *error = "read error in the array data";
      return false;
    }
    if (!convert(h, raw.data(), rowLen, t.data.data() + bo, error)) return false;
    for (int i = (int)outer.size() - 1; i >= 0 && ++idx[i] == outer[i]; --i)
      idx[i] = 0;
  }
  roundAll(t);
  *out = std::move(t);
  return true;
}

bool encodeNpy(const Tensor &t, std::string *bytes, std::string *error) {
  if (t.size() != t.type.numElements()) {
    *error = "internal error: tensor data does not match its type " + t.type.str();
    return false;
  }
  const char *descr = isFloat(t.type.dtype) ? "<f4" : t.type.dtype == DType::I32 ? "<i4" : "|b1";
  std::string dict = std::string("{'descr': '") + descr +
                     "', 'fortran_order': False, 'shape': " + shapeTuple(t.type.shape) + ", }";
  // Pad with spaces so that the data starts at a multiple of 64 bytes, as NumPy does.
  bool v2 = dict.size() + 1 + 10 > 65535;
  size_t pre = v2 ? 12 : 10;
  size_t total = (pre + dict.size() + 1 + 63) / 64 * 64;
  dict.append(total - pre - dict.size() - 1, ' ');
  dict += '\n';
  std::string buf = std::string("\x93NUMPY") + (char)(v2 ? 2 : 1) + '\0';
  uint32_t len = (uint32_t)dict.size();
  for (int i = 0; i < (v2 ? 4 : 2); ++i)
    buf += (char)((len >> (8 * i)) & 0xff);
  buf += dict;
  for (double v : t.data) {
    if (isFloat(t.type.dtype)) {
      float f = (float)v;
      buf.append((const char *)&f, 4);
    } else if (t.type.dtype == DType::I32) {
      int32_t i = (int32_t)roundTo(DType::I32, v);
      buf.append((const char *)&i, 4);
    } else {
      buf += (char)(v != 0);
    }
  }
  *bytes = std::move(buf);
  return true;
}

bool writeNpy(const std::string &path, const Tensor &t, std::string *error) {
  std::string buf, why;
  if (!encodeNpy(t, &buf, error)) return false;
  if (!writeFileAtomically(path, buf, &why)) {
    *error = "cannot write: " + why;
    return false;
  }
  return true;
}

} // namespace partita
