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

// What the signal handler removes. Everything it reads is prepared before it is armed, so
// the handler itself only calls async-signal-safe functions (unlinkat, rmdir, raise).
struct Staging {
  int fd = -1;                        // the staging directory
  std::string path;                   // its path, for rmdir
  std::vector<std::string> names;     // files that may exist in it
  std::vector<const char *> namePtrs; // names' c_str(), read by the handler
};
Staging gStaging;
volatile sig_atomic_t gArmed = 0;
const int kSignals[] = {SIGTERM, SIGINT, SIGHUP};
struct sigaction gOld[3];

void removeStaged() {
  for (const char *n : gStaging.namePtrs)
    unlinkat(gStaging.fd, n, 0);
  rmdir(gStaging.path.c_str());
}

void onSignal(int sig) {
  if (gArmed) removeStaged();
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
  gArmed = 1;
}

void disarm() {
  gArmed = 0;
  for (int i = 0; i < 3; ++i)
    sigaction(kSignals[i], &gOld[i], nullptr);
}

sigset_t blockedSignals() {
  sigset_t s;
  sigemptyset(&s);
  for (int sig : kSignals)
    sigaddset(&s, sig);
  return s;
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
  std::string templ = (fs::path(dir) / (std::string(kStagingPrefix) + hostName() + "." +
                                        std::to_string(getpid()) + ".XXXXXX"))
                          .string();
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) {
    *err = dir + ": error: cannot create a staging directory: " + std::strerror(errno);
    return false;
  }
  gStaging = Staging();
  gStaging.path = buf.data();
  gStaging.fd = open(gStaging.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int dirFd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  gStaging.names = names;
  for (const std::string &n : gStaging.names)
    gStaging.namePtrs.push_back(n.c_str());
  auto cleanup = [&] {
    removeStaged();
    if (gStaging.fd >= 0) close(gStaging.fd);
    if (dirFd >= 0) close(dirFd);
  };
  if (gStaging.fd < 0 || dirFd < 0) {
    *err = dir + ": error: cannot open the output directory: " + std::strerror(errno);
    cleanup();
    return false;
  }
  arm();
  for (size_t i = 0; i < names.size(); ++i) {
    std::string bytes, why;
    if (!make(i, &bytes, err) ||
        (!writeNew(gStaging.fd, names[i], bytes, &why) &&
         (*err = (fs::path(dir) / names[i]).string() + ": error: cannot write: " + why, true))) {
      disarm();
      cleanup();
      return false;
    }
  }
  // Moving the files into place takes microseconds: defer a termination signal until the
  // set is complete, so it is never left half moved.
  sigset_t block = blockedSignals(), old;
  sigprocmask(SIG_BLOCK, &block, &old);
  bool ok = true;
  for (const std::string &n : names)
    if (renameat(gStaging.fd, n.c_str(), dirFd, n.c_str()) != 0 && ok) {
      *err = (fs::path(dir) / n).string() +
             ": error: cannot move the result into place: " + std::strerror(errno);
      ok = false;
    }
  disarm();
  cleanup();
  sigprocmask(SIG_SETMASK, &old, nullptr);
  return ok;
}

} // namespace partita::driver
