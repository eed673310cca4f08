// partita-train's checkpoints (TrainCheckpoint.h): staged, shard-parallel .npy writes,
// atomic publication, and the checks made before a run resumes from one.
#include "tools/driver/TrainCheckpoint.h"

#include "ir/Npy.h"
#include "ir/ShardUtil.h"
#include "runtime/Mpi.h"

// The C API only: the C++ bindings would need their own library.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <sstream>

namespace partita::driver {

namespace fs = std::filesystem;

namespace {

// The .npy header of an array of type `t` (floats as '<f4', i32 as '<i4'), padded so that
// the data starts at a multiple of 64 bytes, as ir/Npy.cpp and NumPy write it.
std::string npyHeader(const TensorType &t) {
  std::string shape = "(";
  for (size_t i = 0; i < t.shape.size(); ++i)
    shape += std::to_string(t.shape[i]) + (t.shape.size() == 1      ? ","
                                           : i + 1 < t.shape.size() ? ", "
                                                                    : "");
  shape += ")";
  std::string dict = std::string("{'descr': '") + (isFloat(t.dtype) ? "<f4" : "<i4") +
                     "', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = (10 + dict.size() + 1 + 63) / 64 * 64;
  dict.append(total - 10 - dict.size() - 1, ' ');
  dict += '\n';
  std::string h = std::string("\x93NUMPY") + (char)1 + '\0';
  h += (char)(dict.size() & 0xff);
  h += (char)((dict.size() >> 8) & 0xff);
  return h + dict;
}

std::vector<int64_t> validSizes(const Sharding &s, int64_t device, const TensorType &g,
                                const Mesh &m) {
  std::vector<int64_t> v(g.rank());
  for (int i = 0; i < g.rank(); ++i)
    v[i] = s.validSize(i, device, g, m);
  return v;
}

// The valid (non-padding) box of a device's local buffer, as the 4-byte little-endian
// elements the .npy file holds, row-major.
std::vector<char> packValid(const NativeBuffer &b, const std::vector<int64_t> &valid) {
  Tensor t = b.toTensor();
  const int rank = (int)valid.size();
  int64_t n = 1;
  for (int64_t v : valid)
    n *= v;
  std::vector<char> out((size_t)std::max<int64_t>(n, 0) * 4);
  if (n <= 0) return out;
  std::vector<int64_t> idx(rank, 0), strides = t.strides();
  for (int64_t k = 0; k < n; ++k) {
    int64_t at = 0;
    for (int i = 0; i < rank; ++i)
      at += idx[i] * strides[i];
    double v = t.data[at];
    if (isFloat(t.type.dtype)) {
      float f = (float)v;
      std::memcpy(&out[k * 4], &f, 4);
    } else {
      int32_t x = (int32_t)v;
      std::memcpy(&out[k * 4], &x, 4);
    }
    for (int i = rank - 1; i >= 0; --i) {
      if (++idx[i] < valid[i]) break;
      idx[i] = 0;
    }
  }
  return out;
}

std::string errnoText() { return std::strerror(errno); }

// Writes `bytes` to `path` and renames it over `target` after an fsync: readers see the old
// file or the whole new one.
bool writeFileAtomic(const std::string &target, const std::string &bytes, std::string *error) {
  std::string tmp = target + ".tmp";
  int fd = ::open(tmp.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  bool ok = fd >= 0 && ::write(fd, bytes.data(), bytes.size()) == (ssize_t)bytes.size() &&
            ::fsync(fd) == 0;
  if (fd >= 0 && ::close(fd) != 0) ok = false;
  if (!ok || std::rename(tmp.c_str(), target.c_str()) != 0) {
    *error = target + ": error: cannot write: " + errnoText();
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

void syncDir(const std::string &dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

std::string jsonString(const std::string &s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      o += '\\', o += c;
    else if (c == '\n')
      o += "\\n";
    else if ((unsigned char)c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      o += buf;
    } else {
      o += c;
    }
  }
  return o + "\"";
}

// The little JSON reader meta.json needs: objects, arrays, strings, numbers, literals.
struct Json {
  enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
  double number = 0;
  std::string text;
  std::vector<Json> items;
  std::map<std::string, Json> fields;
  const Json *get(const std::string &k) const {
    auto it = fields.find(k);
    return it == fields.end() ? nullptr : &it->second;
  }
};

class JsonReader {
public:
  explicit JsonReader(const std::string &s) : s_(s) {}
  bool parse(Json *out) {
    if (!value(out, 0)) return false;
    ws();
    return at_ == s_.size();
  }

private:
  const std::string &s_;
  size_t at_ = 0;
  void ws() {
    while (at_ < s_.size() && std::isspace((unsigned char)s_[at_]))
      ++at_;
  }
  bool lit(const char *w) {
    size_t n = std::strlen(w);
    if (s_.compare(at_, n, w) != 0) return false;
    at_ += n;
    return true;
  }
  bool str(std::string *o) {
    if (at_ >= s_.size() || s_[at_] != '"') return false;
    for (++at_; at_ < s_.size(); ++at_) {
      char c = s_[at_];
      if (c == '"') {
        ++at_;
        return true;
      }
      if (c != '\\') {
        *o += c;
        continue;
      }
      if (++at_ >= s_.size()) return false;
      char e = s_[at_];
      if (e == 'n')
        *o += '\n';
      else if (e == 't')
        *o += '\t';
      else if (e == 'u') {
        if (at_ + 4 >= s_.size()) return false;
        *o += (char)std::stoi(s_.substr(at_ + 1, 4), nullptr, 16);
        at_ += 4;
      } else
        *o += e;
    }
    return false;
  }
  bool value(Json *o, int depth) {
    ws();
    if (at_ >= s_.size() || depth > 16) return false;
    char c = s_[at_];
    if (c == '{') {
      o->kind = Json::Object;
      ++at_;
      ws();
      if (at_ < s_.size() && s_[at_] == '}') return ++at_, true;
      while (true) {
        ws();
        std::string k;
        if (!str(&k)) return false;
        ws();
        if (at_ >= s_.size() || s_[at_++] != ':') return false;
        if (!value(&o->fields[k], depth + 1)) return false;
        ws();
        if (at_ < s_.size() && s_[at_] == ',') {
          ++at_;
          continue;
        }
        return at_ < s_.size() && s_[at_++] == '}';
      }
    }
    if (c == '[') {
      o->kind = Json::Array;
      ++at_;
      ws();
      if (at_ < s_.size() && s_[at_] == ']') return ++at_, true;
      while (true) {
        o->items.emplace_back();
        if (!value(&o->items.back(), depth + 1)) return false;
        ws();
        if (at_ < s_.size() && s_[at_] == ',') {
          ++at_;
          continue;
        }
        return at_ < s_.size() && s_[at_++] == ']';
      }
    }
    if (c == '"') {
      o->kind = Json::String;
      return str(&o->text);
    }
    if (lit("true")) return o->kind = Json::Bool, o->number = 1, true;
    if (lit("false")) return o->kind = Json::Bool, true;
    if (lit("null")) return true;
    size_t end = at_;
    while (end < s_.size() && std::strchr("+-0123456789.eE", s_[end]))
      ++end;
    if (end == at_) return false;
    o->kind = Json::Number;
    o->text = s_.substr(at_, end - at_);
    o->number = std::strtod(o->text.c_str(), nullptr);
    at_ = end;
    return true;
  }
};

// Checkpoint directory names: step-<k> with k a decimal step count.
int64_t stepOfName(const std::string &name) {
  if (name.rfind("step-", 0) != 0 || name.size() == 5) return -1;
  int64_t k = 0;
  for (size_t i = 5; i < name.size(); ++i) {
    if (!std::isdigit((unsigned char)name[i]) || k > (int64_t)1e15) return -1;
    k = k * 10 + (name[i] - '0');
  }
  return k;
}

} // namespace

bool writesShard(const Sharding &s, const Mesh &mesh, int64_t device) {
  if (!holdsUnreducedValue(s, mesh, device)) return false;
  std::vector<int64_t> c = mesh.coords(device);
  for (size_t a = 0; a < mesh.axes.size(); ++a) {
    bool used = false;
    for (const auto &d : s.dims)
      used |= std::find(d.begin(), d.end(), mesh.axes[a].name) != d.end();
    if (!used && c[a] != 0) return false;
  }
  return true;
}

Checkpoints::Checkpoints(std::string dir, const Mesh &mesh, std::vector<CheckpointTensor> tensors,
                         CheckpointInfo info, bool mpi, int keep)
    : dir_(std::move(dir)), mesh_(mesh), tensors_(std::move(tensors)), info_(std::move(info)),
      mpi_(mpi), keep_(keep) {}

std::string Checkpoints::metaJson(int64_t step) const {
  std::ostringstream os;
  os << "{\n  \"format\": \"partita-train-checkpoint-1\",\n  \"step\": " << step
     << ",\n  \"seed\": " << info_.seed << ",\n  \"data\": " << jsonString(info_.data)
     << ",\n  \"batch\": " << info_.batch << ",\n  \"seq\": " << info_.seq
     << ",\n  \"mesh\": " << jsonString(mesh_.str()) << ",\n  \"tensors\": [";
  for (size_t t = 0; t < tensors_.size(); ++t)
    os << (t ? "," : "") << "\n    {\"name\": " << jsonString(tensors_[t].name)
       << ", \"type\": " << jsonString(tensors_[t].global.str())
       << ", \"sharding\": " << jsonString(tensors_[t].sharding.str()) << "}";
  os << "\n  ]\n}\n";
  return os.str();
}

std::string Checkpoints::save(int64_t step, const std::vector<int64_t> &devices,
                              const std::vector<std::vector<NativeBuffer>> &local) {
  MpiSession *s = mpi_ ? &MpiSession::start() : nullptr;
  const bool root = !s || s->rank() == 0;
  std::string error;
  int tag = 0;
  if (root) {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    tag = (int)(std::random_device{}() & 0x3fffffff);
    std::string tmp = dir_ + "/.tmp-step-" + std::to_string(step) + "-" + std::to_string(tag);
    if (!fs::create_directory(tmp, ec) || ec) {
      error = tmp + ": error: cannot create the checkpoint directory: " + ec.message();
      tag = -1;
    }
  }
  if (s) tag = s->broadcast(tag);
  if (tag < 0) return root ? error : dir_ + ": error: cannot create the checkpoint directory";
  const std::string tmp = dir_ + "/.tmp-step-" + std::to_string(step) + "-" + std::to_string(tag);

  for (size_t t = 0; t < tensors_.size(); ++t) {
    const CheckpointTensor &ct = tensors_[t];
    const std::string path = tmp + "/" + ct.name + ".npy";
    const std::string header = npyHeader(ct.global);
    const int64_t count = ct.global.numElements();
    if (s) {
      // Every rank opens the shared file; rank 0 writes the header, and each writing rank
      // its own region through a subarray view, so no rank ever holds the whole tensor.
      const int64_t device = devices.at(0);
      MPI_File fh;
      if (MPI_File_open(MPI_COMM_WORLD, path.c_str(), MPI_MODE_CREATE | MPI_MODE_WRONLY,
                        MPI_INFO_NULL, &fh) != MPI_SUCCESS) {
        if (error.empty()) error = path + ": error: cannot create the checkpoint file";
        continue;
      }
      bool ok = true;
      if (s->rank() == 0)
        ok &= MPI_File_write_at(fh, 0, header.data(), (int)header.size(), MPI_BYTE,
                                MPI_STATUS_IGNORE) == MPI_SUCCESS;
      std::vector<int64_t> valid = validSizes(ct.sharding, device, ct.global, mesh_);
      int64_t n = 1;
      for (int64_t v : valid)
        n *= v;
      bool mine = writesShard(ct.sharding, mesh_, device) && n > 0;
      std::vector<char> bytes = mine ? packValid(local.at(0).at(t), valid) : std::vector<char>();
      MPI_Datatype etype = MPI_INT, view = MPI_INT;
      if (mine) {
        std::vector<int> gs, ls, st;
        std::vector<int64_t> off = ct.sharding.offsets(device, ct.global, mesh_);
        for (int i = 0; i < ct.global.rank(); ++i) {
          gs.push_back((int)ct.global.shape[i]);
          ls.push_back((int)valid[i]);
          st.push_back((int)off[i]);
        }
        if (gs.empty()) gs = ls = {1}, st = {0}; // a scalar is a one-element array
        MPI_Type_create_subarray((int)gs.size(), gs.data(), ls.data(), st.data(), MPI_ORDER_C,
                                 MPI_INT, &view);
        MPI_Type_commit(&view);
      }
      ok &= MPI_File_set_view(fh, (MPI_Offset)header.size(), etype, view, "native",
                              MPI_INFO_NULL) == MPI_SUCCESS;
      ok &= MPI_File_write_all(fh, bytes.data(), mine ? (int)n : 0, etype, MPI_STATUS_IGNORE) ==
            MPI_SUCCESS;
      ok &= MPI_File_sync(fh) == MPI_SUCCESS;
      ok &= MPI_File_close(&fh) == MPI_SUCCESS;
      if (mine) MPI_Type_free(&view);
      if (!ok && error.empty()) error = path + ": error: cannot write the checkpoint file";
      continue;
    }
    // One process holds every device: the header, the full length, then each writing
    // device's region as runs along the last dimension.
    int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    bool ok = fd >= 0 && ::write(fd, header.data(), header.size()) == (ssize_t)header.size() &&
              ::ftruncate(fd, (off_t)(header.size() + count * 4)) == 0;
    for (size_t j = 0; ok && j < devices.size(); ++j) {
      const int64_t device = devices[j];
      if (!writesShard(ct.sharding, mesh_, device)) continue;
      std::vector<int64_t> valid = validSizes(ct.sharding, device, ct.global, mesh_);
      std::vector<char> bytes = packValid(local[j][t], valid);
      if (bytes.empty()) continue;
      std::vector<int64_t> off = ct.sharding.offsets(device, ct.global, mesh_);
      const int rank = ct.global.rank();
      std::vector<int64_t> gstride(rank, 1);
      for (int i = rank - 2; i >= 0; --i)
        gstride[i] = gstride[i + 1] * ct.global.shape[i + 1];
      int64_t run = rank ? valid[rank - 1] : 1, runs = (int64_t)bytes.size() / 4 / run;
      std::vector<int64_t> idx(rank, 0);
      for (int64_t r = 0; ok && r < runs; ++r) {
        int64_t at = 0;
        for (int i = 0; i < rank; ++i)
          at += (off[i] + idx[i]) * gstride[i];
        ok = ::pwrite(fd, bytes.data() + r * run * 4, run * 4, (off_t)(header.size() + at * 4)) ==
             run * 4;
        for (int i = rank - 2; i >= 0; --i) {
          if (++idx[i] < valid[i]) break;
          idx[i] = 0;
        }
      }
    }
    if (ok) ok = ::fsync(fd) == 0;
    if (fd >= 0 && ::close(fd) != 0) ok = false;
    if (!ok && error.empty())
      error = path + ": error: cannot write the checkpoint file: " + errnoText();
  }

  bool ok = error.empty();
  if (s) ok = s->allTrue(ok);
  int code = ok ? 0 : 1;
  if (root) {
    std::string target = dir_ + "/step-" + std::to_string(step);
    std::error_code ec;
    if (ok && !writeFileAtomic(tmp + "/meta.json", metaJson(step), &error)) code = 1;
    if (code == 0) {
      syncDir(tmp);
      if (fs::exists(target, ec)) {
        error = target + ": error: a checkpoint of this step already exists";
        code = 1;
      } else if (std::rename(tmp.c_str(), target.c_str()) != 0) {
        error = target + ": error: cannot publish the checkpoint: " + errnoText();
        code = 1;
      }
    }
    if (code == 0) {
      syncDir(dir_);
      if (!writeFileAtomic(dir_ + "/latest", "step-" + std::to_string(step) + "\n", &error))
        code = 1;
      else
        prune("step-" + std::to_string(step));
    } else {
      fs::remove_all(tmp, ec);
      if (error.empty()) error = tmp + ": error: cannot write the checkpoint";
    }
  }
  if (s) code = s->broadcast(code);
  if (code == 0) return "";
  return root ? error : std::string("(reported by rank 0)");
}

void Checkpoints::prune(const std::string &keepName) const {
  std::vector<std::pair<int64_t, std::string>> steps;
  std::error_code ec;
  for (const auto &e : fs::directory_iterator(dir_, ec)) {
    std::string n = e.path().filename().string();
    // Staging directories of runs killed while saving are never results: drop them.
    if (n.rfind(".tmp-step-", 0) == 0) {
      fs::remove_all(e.path(), ec);
      continue;
    }
    if (int64_t k = stepOfName(n); k >= 0) steps.push_back({k, n});
  }
  if (keep_ <= 0) return;
  std::sort(steps.rbegin(), steps.rend());
  for (size_t i = (size_t)keep_; i < steps.size(); ++i) {
    if (steps[i].second == keepName) continue;
    // Renamed out of the step-<k> names first, so a run killed while deleting leaves a
    // staging directory (removed by the next save), never a partial step-<k>.
    std::string doomed = dir_ + "/.tmp-step-pruned-" + steps[i].second;
    if (std::rename((dir_ + "/" + steps[i].second).c_str(), doomed.c_str()) == 0)
      fs::remove_all(doomed, ec);
  }
}

std::string Checkpoints::latest(std::string *error) const {
  error->clear();
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) return "";
  // The newest step-<k> directory: one only ever appears whole (renamed from its staging
  // directory after its last byte was written), while DIR/latest may lag it by one when a
  // run was killed between the two renames.
  int64_t best = -1;
  for (const auto &e : fs::directory_iterator(dir_, ec)) {
    int64_t k = stepOfName(e.path().filename().string());
    if (k > best && fs::exists(e.path() / "meta.json", ec)) best = k;
  }
  return best < 0 ? "" : dir_ + "/step-" + std::to_string(best);
}

int64_t Checkpoints::validate(const std::string &ckpt, std::string *data,
                              std::string *error) const {
  const std::string metaPath = ckpt + "/meta.json";
  std::ifstream in(metaPath, std::ios::binary);
  if (!in) {
    *error = metaPath + ": error: cannot open the checkpoint's meta file";
    return -1;
  }
  std::string text((std::istreambuf_iterator<char>(in)), {});
  Json j;
  auto bad = [&](const std::string &why) {
    *error = metaPath + ": error: " + why;
    return -1;
  };
  if (!JsonReader(text).parse(&j) || j.kind != Json::Object) return bad("not a valid JSON object");
  const Json *fmt = j.get("format"), *step = j.get("step"), *mesh = j.get("mesh"),
             *tensors = j.get("tensors"), *batch = j.get("batch"), *seq = j.get("seq");
  if (!fmt || fmt->text != "partita-train-checkpoint-1")
    return bad("not a partita-train checkpoint (format 'partita-train-checkpoint-1')");
  if (!step || step->kind != Json::Number || step->number < 0 || !mesh ||
      mesh->kind != Json::String || !tensors || tensors->kind != Json::Array || !batch || !seq)
    return bad("missing or malformed 'step', 'mesh', 'batch', 'seq' or 'tensors'");
  if (mesh->text != mesh_.str())
    return bad("the checkpoint was written on " + mesh->text + ", the program runs on " +
               mesh_.str());
  if ((int64_t)batch->number != info_.batch || (int64_t)seq->number != info_.seq)
    return bad("the checkpoint was trained on batches of " + batch->text + "x" + seq->text +
               " tokens, the program takes " + std::to_string(info_.batch) + "x" +
               std::to_string(info_.seq));
  if (tensors->items.size() != tensors_.size())
    return bad("the checkpoint holds " + std::to_string(tensors->items.size()) +
               " tensors, the program has " + std::to_string(tensors_.size()) +
               " parameters and optimizer states (a checkpoint of another model?)");
  for (size_t t = 0; t < tensors_.size(); ++t) {
    const Json &e = tensors->items[t];
    const Json *name = e.get("name"), *type = e.get("type"), *sh = e.get("sharding");
    if (!name || !type || !sh) return bad("tensor " + std::to_string(t) + " is malformed");
    const CheckpointTensor &ct = tensors_[t];
    if (name->text != ct.name)
      return bad("tensor " + std::to_string(t) + " is %" + name->text + ", the program's is %" +
                 ct.name + " (a checkpoint of another model?)");
    if (type->text != ct.global.str())
      return bad("%" + ct.name + " is " + type->text + " in the checkpoint but " + ct.global.str() +
                 " in the program");
    if (sh->text != ct.sharding.str())
      return bad("%" + ct.name + " is sharded " + sh->text + " in the checkpoint but " +
                 ct.sharding.str() + " in the program");
  }
  for (size_t t = 0; t < tensors_.size(); ++t) {
    std::string path = ckpt + "/" + tensors_[t].name + ".npy", e;
    Tensor none;
    std::vector<int64_t> zeros(tensors_[t].global.rank(), 0);
    if (!readNpySlice(path, tensors_[t].global, zeros, zeros, &none, &e)) {
      *error = path + ": error: " + e;
      return -1;
    }
    // The header's shape promises this many bytes; fewer means a truncated file.
    std::error_code ec;
    uintmax_t size = fs::file_size(path, ec);
    uintmax_t need = npyHeader(tensors_[t].global).size() + tensors_[t].global.numElements() * 4;
    if (ec || size < need) {
      *error = path + ": error: truncated checkpoint file: " + std::to_string(size) + " bytes, " +
               tensors_[t].global.str() + " needs " + std::to_string(need);
      return -1;
    }
  }
  if (const Json *d = j.get("data")) *data = d->text;
  return (int64_t)step->number;
}

bool Checkpoints::readShard(const std::string &ckpt, size_t t, int64_t device, Tensor *out,
                            std::string *error) const {
  const CheckpointTensor &ct = tensors_.at(t);
  TensorType local = ct.sharding.localType(ct.global, mesh_);
  if (!holdsUnreducedValue(ct.sharding, mesh_, device)) {
    *out = Tensor(local);
    return true;
  }
  std::string path = ckpt + "/" + ct.name + ".npy", e;
  if (!readNpySlice(path, ct.global, ct.sharding.offsets(device, ct.global, mesh_), local.shape,
                    out, &e)) {
    *error = path + ": error: " + e;
    return false;
  }
  return true;
}

bool Checkpoints::readWhole(const std::string &ckpt, size_t t, Tensor *out,
                            std::string *error) const {
  std::string path = ckpt + "/" + tensors_.at(t).name + ".npy", e;
  if (!readNpyAs(path, tensors_[t].global, out, &e)) {
    *error = path + ": error: " + e;
    return false;
  }
  return true;
}

} // namespace partita::driver
