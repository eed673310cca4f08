// ORC LLJIT for the host CPU. Every module is optimized with the new pass manager's O2/O3
// pipeline and compiled to an object file by our own TargetMachine, so that the object can
// be cached on disk (keyed by the IR text and the CPU) and later added with addObjectFile
// without touching the optimizer or the code generator again.
#include "runtime/Jit.h"

#include "ir/FileIO.h"
#include "runtime/Abi.h"

#include <llvm/ADT/StringExtras.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/SHA256.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/TargetParser/Host.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <unistd.h>

namespace partita {

namespace orc = llvm::orc;

// Bump when the generated code changes meaning without the IR text showing it (e.g. a
// runtime ABI change), so stale cached objects are never linked.
static const char *kCacheVersion = "partita-jit-5";

std::string defaultCacheDir() {
  if (const char *d = std::getenv("PARTITA_CACHE_DIR"); d && *d) return d;
  if (const char *d = std::getenv("XDG_CACHE_HOME"); d && *d) return std::string(d) + "/partita";
  if (const char *h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/partita";
  return "";
}

std::string hostCpuName() { return llvm::sys::getHostCPUName().str(); }

std::string hostCpuFeatures() {
  // Sorted so the cache key does not depend on StringMap's iteration order.
  std::vector<std::string> fs;
  for (const auto &f : llvm::sys::getHostCPUFeatures())
    fs.push_back(std::string(1, f.second ? '+' : '-').append(f.first().str()));
  std::sort(fs.begin(), fs.end());
  std::string out;
  for (const auto &f : fs) {
    if (!out.empty()) out += ',';
    out += f;
  }
  return out;
}

static std::string errorText(llvm::Error e) { return llvm::toString(std::move(e)); }

struct Jit::Impl {
  JitOptions opts;
  std::unique_ptr<orc::LLJIT> lljit;
  std::unique_ptr<llvm::TargetMachine> tm;
  std::string cpu, features;
  std::vector<orc::JITDylib *> dylibs;
  std::mutex mu;
  std::atomic<int> compiled{0}, cached{0};
};

Jit::Jit(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Jit::~Jit() = default;

std::unique_ptr<Jit> Jit::create(const JitOptions &opts, std::string *error) {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });
  auto impl = std::make_unique<Impl>();
  impl->opts = opts;
  impl->cpu = hostCpuName();
  impl->features = hostCpuFeatures();

  auto jtmb = orc::JITTargetMachineBuilder::detectHost();
  if (!jtmb) {
    *error = "cannot detect the host target: " + errorText(jtmb.takeError());
    return nullptr;
  }
  jtmb->setCPU(impl->cpu);
  llvm::SubtargetFeatures sf;
  for (const auto &f : llvm::sys::getHostCPUFeatures())
    sf.AddFeature(f.first(), f.second);
  jtmb->getFeatures() = sf;
  jtmb->setCodeGenOptLevel(opts.optLevel >= 3 ? llvm::CodeGenOptLevel::Aggressive
                                              : llvm::CodeGenOptLevel::Default);
  // Position-independent code: cached objects are linked at a different address each run.
  jtmb->setRelocationModel(llvm::Reloc::PIC_);
  jtmb->setCodeModel(llvm::CodeModel::Small);

  auto tm = jtmb->createTargetMachine();
  if (!tm) {
    *error = "cannot create the host target machine: " + errorText(tm.takeError());
    return nullptr;
  }
  impl->tm = std::move(*tm);

  auto jit = orc::LLJITBuilder().setJITTargetMachineBuilder(*jtmb).create();
  if (!jit) {
    *error = "cannot create the JIT: " + errorText(jit.takeError());
    return nullptr;
  }
  impl->lljit = std::move(*jit);

  // Runtime entry points are registered by address, so they resolve whether or not the
  // executable exports its symbols; libc/libm (memcpy, expf, ...) come from the process.
  auto &main = impl->lljit->getMainJITDylib();
  auto &es = impl->lljit->getExecutionSession();
  orc::SymbolMap syms;
  for (const auto &[name, addr] : runtimeSymbols())
    syms[es.intern(name)] = {orc::ExecutorAddr::fromPtr(addr),
                             llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable};
  if (auto e = main.define(orc::absoluteSymbols(std::move(syms)))) {
    *error = "cannot register the runtime symbols: " + errorText(std::move(e));
    return nullptr;
  }
  auto gen = orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
      impl->lljit->getDataLayout().getGlobalPrefix());
  if (!gen) {
    *error = "cannot search the process for symbols: " + errorText(gen.takeError());
    return nullptr;
  }
  main.addGenerator(std::move(*gen));
  return std::unique_ptr<Jit>(new Jit(std::move(impl)));
}

void Jit::prepareModule(llvm::Module &m) const {
  m.setTargetTriple(impl_->tm->getTargetTriple().str());
  m.setDataLayout(impl_->tm->createDataLayout());
  for (auto &f : m) {
    if (f.isDeclaration()) continue;
    f.addFnAttr("target-cpu", impl_->cpu);
    f.addFnAttr("target-features", impl_->tm->getTargetFeatureString());
  }
}

static void optimize(llvm::Module &m, llvm::TargetMachine *tm, int level) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions pto;
  // Vectorize, but neither interleave nor unroll: generated loop nests are many and their
  // bodies (fused math) are large, so unrolling doubles compile time and code size for
  // little speed once the loops run at full vector width.
  pto.LoopVectorization = true;
  pto.SLPVectorization = true;
  pto.LoopInterleaving = false;
  pto.LoopUnrolling = false;
  llvm::PassBuilder pb(tm, pto);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  auto mpm = pb.buildPerModuleDefaultPipeline(level >= 3 ? llvm::OptimizationLevel::O3
                                                         : llvm::OptimizationLevel::O2);
  mpm.run(m, mam);
}

// All-or-nothing output (ir/FileIO.h) with the path in the message.
static bool writeOutput(const std::string &path, llvm::StringRef data, std::string *error) {
  std::string why;
  if (partita::writeFileAtomically(path, data.str(), &why)) return true;
  *error = path + ": " + why;
  return false;
}

// A cache entry is a header followed by the object: kEntryMagic, the object's length (8
// bytes, little-endian) and the SHA-256 of the key and the object, then exactly `length`
// object bytes. The digest covers the key so that an intact entry copied or renamed to
// another key's file is rejected too; the whole entry is written with one atomic rename, so
// concurrent ranks filling the same key only ever see a complete entry.
static const char kEntryMagic[16] = {'P', 'A', 'R', 'T', 'I', 'T', 'A', '-',
                                     'J', 'I', 'T', 'O', 'B', 'J', '1', '\n'};
static constexpr size_t kDigestBytes = 32;
static constexpr size_t kHeaderBytes = sizeof kEntryMagic + 8 + kDigestBytes;

static std::array<uint8_t, kDigestBytes> entryDigest(llvm::StringRef key, llvm::StringRef object) {
  llvm::SHA256 sha;
  sha.update(key);
  sha.update(llvm::StringRef("\0", 1));
  sha.update(object);
  return sha.final();
}

static std::string cacheEntry(llvm::StringRef key, llvm::StringRef object) {
  std::string out(kEntryMagic, sizeof kEntryMagic);
  uint64_t n = object.size();
  for (int i = 0; i < 8; ++i)
    out += (char)((n >> (8 * i)) & 0xff);
  auto digest = entryDigest(key, object);
  out.append((const char *)digest.data(), digest.size());
  out += object;
  return out;
}

// The verified object of the entry at `path`, or nullptr: silently when there is no
// readable file, with the reason in *damage when the file exists but fails verification.
static std::unique_ptr<llvm::MemoryBuffer>
readCacheEntry(const std::string &path, llvm::StringRef key, std::string *damage) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf) return nullptr;
  llvm::StringRef bytes = (*buf)->getBuffer();
  if (bytes.size() < kHeaderBytes) {
    *damage = "shorter than its header";
    return nullptr;
  }
  if (std::memcmp(bytes.data(), kEntryMagic, sizeof kEntryMagic) != 0) {
    *damage = "bad header";
    return nullptr;
  }
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i)
    n |= (uint64_t)(uint8_t)bytes[sizeof kEntryMagic + i] << (8 * i);
  llvm::StringRef object = bytes.drop_front(kHeaderBytes);
  if (n != object.size()) {
    *damage = "holds " + std::to_string(object.size()) + " object bytes, its header says " +
              std::to_string(n);
    return nullptr;
  }
  auto digest = entryDigest(key, object);
  if (std::memcmp(digest.data(), bytes.data() + sizeof kEntryMagic + 8, kDigestBytes) != 0) {
    *damage = "digest mismatch";
    return nullptr;
  }
  // A copy: the object starts 56 bytes into the file, and ORC wants it on its own buffer.
  auto obj = llvm::MemoryBuffer::getMemBufferCopy(object, "partita-" + key.str() + ".o");
  auto parsed = llvm::object::ObjectFile::createObjectFile(obj->getMemBufferRef());
  if (!parsed) {
    // Verified bytes that are no object: written by a different, broken writer.
    llvm::consumeError(parsed.takeError());
    *damage = "not an object file";
    return nullptr;
  }
  return obj;
}

int Jit::addModule(std::unique_ptr<llvm::LLVMContext> ctxArg, std::unique_ptr<llvm::Module> mArg,
                   std::string *error) {
  // Locals, so the module is destroyed before its context on every path.
  std::unique_ptr<llvm::LLVMContext> ctx = std::move(ctxArg);
  std::unique_ptr<llvm::Module> m = std::move(mArg);
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto t0 = std::chrono::steady_clock::now();
  Impl &I = *impl_;
  prepareModule(*m);
  {
    std::string verr;
    llvm::raw_string_ostream vos(verr);
    if (llvm::verifyModule(*m, &vos)) {
      *error = "internal error: generated LLVM IR is invalid: " + vos.str();
      return -1;
    }
  }

  // The key covers everything that decides the object's bytes.
  std::string irText;
  {
    llvm::raw_string_ostream os(irText);
    m->print(os, nullptr);
  }
  llvm::SHA256 sha;
  for (const std::string &part : {std::string(kCacheVersion), std::string(LLVM_VERSION_STRING),
                                  I.cpu, I.features, std::to_string(I.opts.optLevel), irText}) {
    sha.update(part);
    sha.update(llvm::StringRef("\0", 1));
  }
  auto digest = sha.final();
  std::string key = llvm::toHex(llvm::ArrayRef<uint8_t>(digest.data(), digest.size()), true);

  std::string cachePath;
  if (!I.opts.cacheDir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(I.opts.cacheDir, ec);
    if (!ec) cachePath = I.opts.cacheDir + "/" + key + ".pjo";
  }

  std::unique_ptr<llvm::MemoryBuffer> obj;
  bool fromCache = false;
  if (!cachePath.empty() && I.opts.emitLlvm.empty()) {
    std::string damage;
    obj = readCacheEntry(cachePath, key, &damage);
    fromCache = obj != nullptr;
    // A damaged entry (a full disk, a flipped bit, a foreign file) is never linked: it is
    // reported, compiled again below and overwritten.
    if (!damage.empty())
      std::cerr << cachePath << ": warning: damaged JIT cache entry (" << damage
                << "), rebuilding it\n";
  }
  if (!obj) {
    optimize(*m, I.tm.get(), I.opts.optLevel);
    if (!I.opts.emitLlvm.empty()) {
      std::string text;
      llvm::raw_string_ostream os(text);
      m->print(os, nullptr);
      if (!writeOutput(I.opts.emitLlvm, os.str(), error)) return -1;
    }
    llvm::SmallVector<char, 0> bytes;
    llvm::raw_svector_ostream os(bytes);
    llvm::legacy::PassManager pm;
    if (I.tm->addPassesToEmitFile(pm, os, nullptr, llvm::CodeGenFileType::ObjectFile)) {
      *error = "internal error: the host target cannot emit object files";
      return -1;
    }
    pm.run(*m);
    obj = llvm::MemoryBuffer::getMemBufferCopy(llvm::StringRef(bytes.data(), bytes.size()),
                                               "partita-" + key + ".o");
    if (!cachePath.empty()) {
      std::string ignored; // a read-only cache only costs speed
      writeOutput(cachePath, cacheEntry(key, obj->getBuffer()), &ignored);
    }
    ++I.compiled;
  } else {
    ++I.cached;
  }
  if (!I.opts.emitObj.empty() && !writeOutput(I.opts.emitObj, obj->getBuffer(), error)) return -1;

  auto jd = I.lljit->createJITDylib("partita" + std::to_string(I.dylibs.size()));
  if (!jd) {
    *error = "cannot create a JIT library: " + errorText(jd.takeError());
    return -1;
  }
  jd->addToLinkOrder(I.lljit->getMainJITDylib());
  if (auto e = I.lljit->addObjectFile(*jd, std::move(obj))) {
    *error = "cannot link the compiled program: " + errorText(std::move(e));
    return -1;
  }
  I.dylibs.push_back(&*jd);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (I.opts.verbose)
    std::cerr << "jit: " << (fromCache ? "cached" : "compiled") << " module " << key.substr(0, 16)
              << " in " << secs * 1e3 << " ms (cpu " << I.cpu << ")\n";
  return (int)I.dylibs.size() - 1;
}

void *Jit::lookup(int handle, const std::string &symbol, std::string *error) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (handle < 0 || handle >= (int)impl_->dylibs.size()) {
    *error = "no JIT library " + std::to_string(handle);
    return nullptr;
  }
  auto addr = impl_->lljit->lookup(*impl_->dylibs[handle], symbol);
  if (!addr) {
    *error = "cannot resolve " + symbol + ": " + errorText(addr.takeError());
    return nullptr;
  }
  return addr->toPtr<void *>();
}

int Jit::compiledCount() const { return impl_->compiled; }
int Jit::cachedCount() const { return impl_->cached; }

} // namespace partita
