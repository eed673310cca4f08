// All-or-nothing result sets for partita-run --outputs (see OutputSet.h).
#include "tools/driver/OutputSet.h"

#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace partita::driver {

namespace fs = std::filesystem;

const char *const kStagingPrefix = ".partita-outputs.";

namespace {

// What the signal handler cleans up. Everything it reads is prepared before it is armed, so
// the handler itself only calls async-signal-safe functions (unlinkat, renameat, rmdir,
// raise). A signal may be delivered to any thread (kernel or MPI threads), so nothing here
// relies on a signal mask.
struct Staging {
  int fd = -1, dirFd = -1;            // the staging and the output directory
  std::string path;                   // the staging directory's path, for rmdir
  std::vector<std::string> names;     // files that may exist in it
  std::vector<const char *> namePtrs; // names' c_str(), read by the handler
};
Staging gStaging;
// 0: nothing staged; 1: writing (a signal removes the staged files); 2: moving the complete
// set into place (a signal finishes the moves, so the set is never left half moved).
volatile sig_atomic_t gState = 0;
const int kSignals[] = {SIGTERM, SIGINT, SIGHUP};
struct sigaction gOld[3];

void removeStaged() {
  for (const char *n : gStaging.namePtrs)
    unlinkat(gStaging.fd, n, 0);
  rmdir(gStaging.path.c_str());
}

void moveStaged() {
  // Files already moved fail with ENOENT, harmlessly.
  for (const char *n : gStaging.namePtrs)
    renameat(gStaging.fd, n, gStaging.dirFd, n);
  rmdir(gStaging.path.c_str());
}

void onSignal(int sig) {
  if (gState == 1) removeStaged();
  if (gState == 2) moveStaged();
  // Die of the same signal, so the parent (a shell, mpirun) sees how the run ended.
  signal(sig, SIG_DFL);
  raise(sig);
}

void arm() {
  struct sigaction sa = {};
  sa.sa_handler = onSignal;
  sigemptyset(&sa.sa_mask);
  for (int i = 0; i < 3; ++i)
    sigaction(kSignals[i], &sa, &gOld[i]);
}

void disarm() {
  gState = 0;
  for (int i = 0; i < 3; ++i)
    sigaction(kSignals[i], &gOld[i], nullptr);
  for (int *fd : {&gStaging.fd, &gStaging.dirFd})
    if (*fd >= 0) close(*fd), *fd = -1;
}

std::string hostName() {
  char h[256] = {};
  gethostname(h, sizeof h - 1);
  for (char *c = h; *c; ++c)
    if (*c == '.' || *c == '/') *c = '_';
  return h;
}

// Writes all of `bytes` to a new file; false with the reason (errno) on any failure,
// including one reported only by close().
bool writeNew(int dirFd, const std::string &name, const std::string &bytes, std::string *why) {
  int fd = openat(dirFd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return *why = std::strerror(errno), false;
  const char *p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *why = n < 0 ? std::strerror(errno) : "short write";
      close(fd);
      return false;
    }
    p += n;
    left -= (size_t)n;
  }
  if (close(fd) != 0) return *why = std::strerror(errno), false;
  return true;
}

} // namespace

void sweepStaleStaging(const std::string &dir) {
  std::string mine = std::string(kStagingPrefix) + hostName() + ".";
  std::error_code ec;
  for (const auto &e : fs::directory_iterator(dir, ec)) {
    std::string n = e.path().filename().string();
    if (n.rfind(mine, 0) != 0) continue;
    long pid = std::strtol(n.c_str() + mine.size(), nullptr, 10);
    // Another host's staging directory (a shared file system) may belong to a live run.
    if (pid > 0 && pid != getpid() && kill((pid_t)pid, 0) != 0 && errno == ESRCH)
      fs::remove_all(e.path(), ec);
  }
}

bool writeOutputSet(const std::string &dir, const std::vector<std::string> &names,
                    const std::function<bool(size_t, std::string *, std::string *)> &make,
                    std::string *err) {
  sweepStaleStaging(dir);
  gStaging = Staging();
  gStaging.names = names;
  for (const std::string &n : gStaging.names)
    gStaging.namePtrs.push_back(n.c_str());
  // The name is chosen, and the handler armed, before the directory exists: a signal
  // arriving at any point after mkdir finds it named.
  std::string stem = (fs::path(dir) / (std::string(kStagingPrefix) + hostName() + "." +
                                       std::to_string(getpid()) + "."))
                         .string();
  gStaging.dirFd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (gStaging.dirFd < 0) {
    *err = dir + ": error: cannot open the output directory: " + std::strerror(errno);
    return false;
  }
  arm();
  bool made = false;
  for (int k = 0; k < 1000 && !made; ++k) {
    gStaging.path = stem + std::to_string(k);
    gState = 1;
    made = mkdir(gStaging.path.c_str(), 0700) == 0;
    if (!made) gState = 0;
    if (!made && errno != EEXIST) break;
  }
  if (made) gStaging.fd = open(gStaging.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (gStaging.fd < 0) {
    *err = dir + ": error: cannot create a staging directory: " + std::strerror(errno);
    if (made) rmdir(gStaging.path.c_str());
    disarm();
    return false;
  }
  for (size_t i = 0; i < names.size(); ++i) {
    std::string bytes, why;
    bool ok = make(i, &bytes, err);
    if (ok && !writeNew(gStaging.fd, names[i], bytes, &why)) {
      *err = (fs::path(dir) / names[i]).string() + ": error: cannot write: " + why;
      ok = false;
    }
    if (!ok) {
      removeStaged();
      disarm();
      return false;
    }
  }
  gState = 2;
  bool ok = true;
  for (const std::string &n : names)
    if (renameat(gStaging.fd, n.c_str(), gStaging.dirFd, n.c_str()) != 0 && ok) {
      *err = (fs::path(dir) / n).string() +
             ": error: cannot move the result into place: " + std::strerror(errno);
      ok = false;
    }
  rmdir(gStaging.path.c_str());
  disarm();
  return ok;
}

} // namespace partita::driver
