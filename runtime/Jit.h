// The ORC JIT that turns generated LLVM modules into callable native code for the host CPU,
// with an on-disk object cache so that a second run of the same program skips LLVM's
// optimizer and code generator entirely. LLVM types appear only as forward declarations.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace llvm {
class LLVMContext;
class Module;
} // namespace llvm

namespace partita {

struct JitOptions {
  int optLevel = 3;     // 2 or 3: the new pass manager's default<O2>/<O3> pipeline
  std::string cacheDir; // empty: no cache; see defaultCacheDir()
  std::string emitLlvm; // write the optimized LLVM IR here (debugging)
  std::string emitObj;  // write the object file here (debugging)
  bool verbose = false; // one line per module on stderr: compiled or cached, and the time
};

// $PARTITA_CACHE_DIR, else $XDG_CACHE_HOME/partita, else ~/.cache/partita.
std::string defaultCacheDir();

// The host CPU as LLVM sees it (name and +/- feature list); part of every cache key.
std::string hostCpuName();
std::string hostCpuFeatures();

class Jit {
public:
  // Nullptr and *error set when the host target cannot be initialized.
  static std::unique_ptr<Jit> create(const JitOptions &opts, std::string *error);
  ~Jit();

  // Optimizes and compiles `m` (or loads its object from the cache) into a fresh JIT
  // library. Returns a handle for lookup(), or -1 with *error set.
  int addModule(std::unique_ptr<llvm::LLVMContext> ctx, std::unique_ptr<llvm::Module> m,
                std::string *error);
  // Address of `symbol` in the library `handle`; nullptr with *error set when absent.
  void *lookup(int handle, const std::string &symbol, std::string *error);

  // How many modules went through LLVM's code generator, and how many came from the cache.
  int compiledCount() const;
  int cachedCount() const;

  // Configures a module for the host (triple, data layout, target-cpu/features attributes)
  // before code is generated into it, so the vectorizer sees the real vector width.
  void prepareModule(llvm::Module &m) const;

private:
  struct Impl;
  explicit Jit(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

} // namespace partita
