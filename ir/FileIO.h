// All-or-nothing file output shared by every tool and writer: the bytes go to a temporary
// file beside the target, renamed over it on commit, so a failure (or an error found
// after writing) never leaves a partial or half-updated file.
#pragma once

#include <string>

namespace partita {

// A file written in two steps: write() prepares a temporary file, commit() renames it into
// place. A PendingFile destroyed without commit() removes its temporary file, so a tool
// writing several outputs can prepare all of them and commit only when all succeeded.
// Targets that are not regular files (/dev/null, pipes) are written in place on commit():
// renaming over them would replace the device node itself.
class PendingFile {
public:
  explicit PendingFile(std::string path) : path_(std::move(path)) {}
  ~PendingFile();
  PendingFile(const PendingFile &) = delete;
  PendingFile &operator=(const PendingFile &) = delete;

  // False, with the reason in `why` (e.g. "is a directory"), when the target cannot be
  // written.
  bool write(const std::string &bytes, std::string *why);
  bool commit(std::string *why);
  const std::string &path() const { return path_; }

private:
  std::string path_, tmp_, direct_;
  bool isDirect_ = false;
};

// write() and commit() in one call.
bool writeFileAtomically(const std::string &path, const std::string &bytes, std::string *why);

} // namespace partita
