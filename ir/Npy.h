// NumPy .npy files in and out: f32, i32 and bool arrays (bf16 values travel as f32; '<f8'
// and '<i8' files are read with conversion). Errors never include the path: callers print
// them as `PATH: error: MESSAGE`.
#pragma once

#include "ir/Tensor.h"

#include <string>

namespace partita {

// Reads a whole array. On failure returns false and sets *error (no location prefix).
bool readNpy(const std::string &path, Tensor *out, std::string *error);
// Reads the array and checks it against `expected` (shape and dtype; bf16 accepts f32
// data and rounds it). Errors name the expected and the found type.
bool readNpyAs(const std::string &path, const TensorType &expected, Tensor *out,
               std::string *error);
// Reads only the box [offsets, offsets + sizes) of a stored array of type `global`, seeking
// rather than loading the whole file. Cells past the array's end are zero (padding).
bool readNpySlice(const std::string &path, const TensorType &global,
                  const std::vector<int64_t> &offsets, const std::vector<int64_t> &sizes,
                  Tensor *out, std::string *error);
// What a file holds, read from its header alone: the stored type ('<i4', '<f4', ...) and
// shape, for callers that check a file before reading slices of it.
struct NpyInfo {
  std::string descr;
  std::vector<int64_t> shape;
};
bool readNpyInfo(const std::string &path, NpyInfo *out, std::string *error);
// Writes atomically (temporary file, then rename). f32 and bf16 as <f4, i32 as <i4, i1 as |b1.
bool writeNpy(const std::string &path, const Tensor &t, std::string *error);
// The bytes writeNpy writes, for callers that place the file themselves.
bool encodeNpy(const Tensor &t, std::string *bytes, std::string *error);

} // namespace partita
