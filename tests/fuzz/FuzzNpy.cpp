// libFuzzer target for the .npy reader (ir/Npy.cpp): any bytes must either read or fail with
// a message, never crash or read past the file; an array that reads must read the same with
// readNpyAs (its own type), and readNpySlice of any box must equal that box of the whole
// array (zero past the end). The bytes reach the reader as a memfd, so no disk is touched.
#include "ir/Npy.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

using namespace partita;

static void die(const char *what, const std::string &detail = "") {
  std::fprintf(stderr, "partita-fuzz-npy: %s %s\n", what, detail.c_str());
  std::abort();
}

static bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int fd = -1;
  if (fd < 0) fd = memfd_create("partita-fuzz-npy", 0);
  if (fd < 0) die("memfd_create failed");
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
    die("memfd write failed");
  const std::string path = "/proc/self/fd/" + std::to_string(fd);

  Tensor whole;
  std::string err;
  if (!readNpy(path, &whole, &err)) {
    if (err.empty()) die("a failed read must say why");
    return 0;
  }
  const TensorType &t = whole.type;
  if (whole.size() != t.numElements()) die("element count differs from the shape", t.str());
  // A whole array never holds more elements than the file has bytes (b1 is 1 byte each).
  if (t.numElements() > (int64_t)size) die("more elements than bytes", t.str());

  Tensor again;
  if (!readNpyAs(path, t, &again, &err)) die("readNpyAs rejects the type readNpy found:", err);
  if (again.type != t || again.data.size() != whole.data.size()) die("readNpyAs type differs");
  for (size_t i = 0; i < whole.data.size(); ++i)
    if (!same(again.data[i], whole.data[i])) die("readNpyAs values differ");

  // Boxes derived from the input: the whole array, its second half along each dimension,
  // and one reaching past the end (padding).
  const int rank = t.rank();
  std::vector<std::vector<int64_t>> offsets = {std::vector<int64_t>(rank, 0)};
  std::vector<std::vector<int64_t>> sizes = {t.shape};
  for (int d = 0; d < rank; ++d) {
    auto off = std::vector<int64_t>(rank, 0);
    auto sz = t.shape;
    off[d] = t.shape[d] / 2;
    sz[d] = t.shape[d] - off[d] + (d == rank - 1 ? 2 : 0);
    offsets.push_back(off);
    sizes.push_back(sz);
  }
  for (size_t b = 0; b < offsets.size(); ++b) {
    int64_t n = 1;
    bool big = false;
    for (int64_t s : sizes[b])
      big = big || __builtin_mul_overflow(n, s, &n);
    if (big || n > (int64_t)1 << 20) continue;
    Tensor box;
    if (!readNpySlice(path, t, offsets[b], sizes[b], &box, &err))
      die("readNpySlice rejects a box of the array it read:", err);
    if (box.size() != n) die("slice has the wrong element count");
    std::vector<int64_t> idx(rank, 0);
    for (int64_t i = 0; i < n; ++i) {
      int64_t flat = 0;
      bool inside = true;
      for (int d = 0; d < rank; ++d) {
        int64_t g = offsets[b][d] + idx[d];
        inside = inside && g < t.shape[d];
        flat = flat * t.shape[d] + g;
      }
      double want = inside ? whole.data[flat] : 0.0;
      if (!same(box.data[i], want)) die("slice value differs from the whole array's");
      for (int d = rank - 1; d >= 0; --d) {
        if (++idx[d] < sizes[b][d]) break;
        idx[d] = 0;
      }
    }
  }
  return 0;
}
