// All-or-nothing file output: temporary file beside the target, then rename.
#include "ir/FileIO.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <vector>

namespace partita {
namespace fs = std::filesystem;

PendingFile::~PendingFile() {
  if (!tmp_.empty()) std::remove(tmp_.c_str());
}

bool PendingFile::write(const std::string &bytes, std::string *why) {
  std::error_code ec;
  auto st = fs::status(path_, ec);
  if (fs::is_directory(st)) return *why = "is a directory", false;
  if (fs::exists(st) && !fs::is_regular_file(st)) {
    direct_ = bytes;
    isDirect_ = true;
    return true;
  }
  fs::path dir = fs::path(path_).parent_path();
  std::string templ = (dir.empty() ? fs::path(".") : dir).string() + "/." +
                      fs::path(path_).filename().string() + ".tmp.XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  int fd = mkstemp(buf.data());
  if (fd < 0) return *why = "cannot create a temporary file beside it", false;
  if (!tmp_.empty()) std::remove(tmp_.c_str());
  tmp_ = buf.data();
  FILE *f = fdopen(fd, "wb");
  bool ok = f && std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  ok = f && std::fclose(f) == 0 && ok;
  if (!f) close(fd);
  if (!ok) return *why = "write failed", false;
  // mkstemp creates 0600; a new output gets the usual permissions.
  fs::permissions(tmp_,
                  fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                      fs::perms::others_read,
                  ec);
  return true;
}

bool PendingFile::commit(std::string *why) {
  if (isDirect_) {
    // Errors such as ENOSPC on /dev/full surface only when the buffer is flushed.
    std::ofstream os(path_, std::ios::binary);
    os << direct_;
    os.close();
    return !os.fail() || (*why = "write failed", false);
  }
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0)
    return *why = "cannot rename the temporary file", false;
  tmp_.clear();
  return true;
}

bool writeFileAtomically(const std::string &path, const std::string &bytes, std::string *why) {
  PendingFile f(path);
  return f.write(bytes, why) && f.commit(why);
}

} // namespace partita
