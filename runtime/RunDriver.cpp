// The execution pieces of partita-run that need no passes: where inputs come from, how
// results are compared and printed. The partition-then-run flow itself is in the driver
// library (tools/driver/RunMain.cpp).
#include "runtime/RunDriver.h"

#include "ir/InputGen.h"
#include "ir/Npy.h"
#include "ir/ShardUtil.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>

namespace partita {

namespace fs = std::filesystem;

namespace {

std::string fmt(const char *f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string number(DType t, double v) {
  if (!isFloat(t) && std::fabs(v) < 0x1p53) return std::to_string((int64_t)v);
  return fmt("%.6g", v);
}

} // namespace

InputSource::InputSource(const Func &f, uint64_t seed, const std::string &inputsDir) : seed_(seed) {
  for (size_t i = 0; i < f.args.size(); ++i) {
    Arg a;
    a.name = f.args[i]->name;
    a.type = f.args[i]->type;
    a.bound = argBound(f, i);
    if (i < f.argAttrs.size()) {
      const AttrDict &attrs = f.argAttrs[i];
      if (auto it = attrs.find("global"); it != attrs.end() && it->second.kind == Attr::Kind::Type)
        a.type = it->second.type;
    }
    if (!inputsDir.empty()) {
      // A name that exists in any form is this argument's file: a dangling link or a FIFO
      // is an error naming it, never a silent switch to generated inputs (or a hang).
      std::string p = (fs::path(inputsDir) / (a.name + ".npy")).string();
      std::error_code ec;
      if (fs::exists(fs::symlink_status(p, ec))) {
        a.path = p;
        auto st = fs::status(p, ec);
        if (!fs::exists(st))
          a.error = "dangling symbolic link";
        else if (fs::is_directory(st))
          a.error = "cannot open: is a directory";
        else if (!fs::is_regular_file(st))
          a.error = "not a regular file (a FIFO, socket or device)";
      }
    }
    args_.push_back(std::move(a));
  }
}

Tensor InputSource::global(size_t i) const {
  const Arg &a = args_.at(i);
  if (a.path.empty()) return generateTensor(seed_, a.name, a.type, a.bound);
  if (!a.error.empty()) throw RunError(a.path + ": error: " + a.error + " for argument %" + a.name);
  Tensor t;
  std::string err;
  if (!readNpyAs(a.path, a.type, &t, &err))
    throw RunError(a.path + ": error: " + err + " for argument %" + a.name);
  return t;
}

Tensor InputSource::shard(size_t i, const Sharding &s, const Mesh &m, int64_t device) const {
  const Arg &a = args_.at(i);
  if (auto e = s.validate(a.type, m); !e.empty())
    throw RunError("partita-run: error: argument %" + a.name + ": " + e);
  if (a.path.empty()) return generateShard(seed_, a.name, a.type, s, m, device, a.bound);
  if (!a.error.empty()) throw RunError(a.path + ": error: " + a.error + " for argument %" + a.name);
  TensorType local = s.localType(a.type, m);
  if (!holdsUnreducedValue(s, m, device)) return Tensor(local);
  Tensor t;
  std::string err;
  if (!readNpySlice(a.path, a.type, s.offsets(device, a.type, m), local.shape, &t, &err))
    throw RunError(a.path + ": error: " + err + " for argument %" + a.name);
  return t;
}

std::string CheckResult::line() const {
  return "check: max_abs_err=" + fmt("%.3g", maxAbs) + " max_rel_err=" + fmt("%.3g", maxRel) +
         (pass ? " PASS" : " FAIL");
}

CheckResult compareResults(const std::vector<Tensor> &got, const std::vector<Tensor> &ref,
                           const std::vector<DType> *accuracy) {
  CheckResult c;
  const double inf = std::numeric_limits<double>::infinity();
  if (got.size() != ref.size()) {
    c.pass = false;
    c.maxAbs = c.maxRel = inf;
    return c;
  }
  for (size_t r = 0; r < got.size(); ++r) {
    const Tensor &a = got[r], &b = ref[r];
    if (a.type != b.type || a.size() != b.size()) {
      c.pass = false;
      c.maxAbs = c.maxRel = inf;
      continue;
    }
    DType t = accuracy && r < accuracy->size() ? (*accuracy)[r] : b.type.dtype;
    double tol = t == DType::BF16 ? 1e-2 : t == DType::F32 ? 1e-4 : 0;
    for (int64_t k = 0; k < a.size(); ++k) {
      double x = a.data[k], y = b.data[k];
      if ((std::isnan(x) && std::isnan(y)) || x == y) continue;
      double abs = std::fabs(x - y); // NaN when exactly one side is NaN
      if (std::isnan(abs)) abs = inf;
      c.maxAbs = std::max(c.maxAbs, abs);
      if (y != 0 && std::isfinite(y)) c.maxRel = std::max(c.maxRel, abs / std::fabs(y));
      if (!(abs <= tol + tol * std::fabs(y))) c.pass = false;
    }
  }
  return c;
}

void printResult(std::ostream &os, size_t index, const Tensor &t) {
  const int64_t shown = 6;
  os << "result" << index << ": " << t.type.str() << " [";
  double sum = 0;
  for (int64_t k = 0; k < t.size(); ++k) {
    sum += t.data[k];
    if (k < shown) os << (k ? ", " : "") << number(t.type.dtype, t.data[k]);
  }
  if (t.size() > shown) os << ", ...";
  os << "] sum=" << number(t.type.dtype, sum) << "\n";
}

bool underMpiLauncher() {
  for (const char *v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMI_RANK", "PMIX_RANK"})
    if (std::getenv(v)) return true;
  return false;
}

} // namespace partita
