// partita-train's checkpoints: DIR/step-<k>/ holds one global .npy per parameter and
// optimizer-state tensor (named by its argument) and meta.json; each device writes only its
// own shard region of the shared files (MPI-IO with subarray views under mpirun), the
// directory is staged as DIR/.tmp-step-<k>-<n> and published by rename, and DIR/latest is
// replaced atomically, so a killed run leaves the last published checkpoint intact.
#pragma once

#include "ir/IR.h"
#include "ir/Sharding.h"
#include "ir/Tensor.h"
#include "runtime/Executable.h"

#include <cstdint>
#include <string>
#include <vector>

namespace partita::driver {

// One saved tensor: an argument of the step program with its global type and sharding.
struct CheckpointTensor {
  std::string name;
  TensorType global;
  Sharding sharding;
};

// What a checkpoint describes besides its tensors; the fields are compared on resume.
struct CheckpointInfo {
  uint64_t seed = 0;
  std::string data;
  int64_t batch = 0, seq = 0;
};

class Checkpoints {
public:
  // `mesh` is the program's mesh (a one-device mesh for an unpartitioned program); `mpi`
  // says that every rank of MPI_COMM_WORLD calls save/load for its own device.
  Checkpoints(std::string dir, const Mesh &mesh, std::vector<CheckpointTensor> tensors,
              CheckpointInfo info, bool mpi, int keep);

  // Writes DIR/step-<step> from the local buffers of `devices` (local[j][t]: device
  // devices[j]'s shard of tensor t). Under MPI every rank calls it with its own device.
  // Returns "" or a one-line "PATH: error: ..." diagnostic (the same on every rank).
  std::string save(int64_t step, const std::vector<int64_t> &devices,
                   const std::vector<std::vector<NativeBuffer>> &local);

  // The newest published checkpoint's directory, or "" when DIR has none.
  std::string latest(std::string *error) const;
  // Checks the checkpoint's meta.json and every .npy header and size against the program.
  // Returns its step, or -1 with *error set; *data gets the data file it was trained on.
  int64_t validate(const std::string &ckpt, std::string *data, std::string *error) const;
  // Device `device`'s shard of tensor t, read from its region of the file.
  bool readShard(const std::string &ckpt, size_t t, int64_t device, Tensor *out,
                 std::string *error) const;
  // The whole tensor t (for --check on resume).
  bool readWhole(const std::string &ckpt, size_t t, Tensor *out, std::string *error) const;

private:
  std::string dir_;
  Mesh mesh_;
  std::vector<CheckpointTensor> tensors_;
  CheckpointInfo info_;
  bool mpi_;
  int keep_;

  std::string metaJson(int64_t step) const;
  void prune(const std::string &keepName) const;
};

// True when `device` writes its shard of a tensor sharded as `s`: among the devices that
// hold copies of the same region (replicas, or members of an unreduced group, whose value
// only the first member holds) exactly one, the one whose coordinates along the axes `s`
// does not use are all zero.
bool writesShard(const Sharding &s, const Mesh &mesh, int64_t device);

} // namespace partita::driver
