// partita-run --outputs: the result files appear as a whole set or not at all. They are
// written into a hidden staging directory inside the output directory and moved into place
// only once every file is complete; SIGTERM, SIGINT or SIGHUP while writing removes the
// staging directory, and a directory left by a killed (SIGKILL) run is swept by the next.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace partita::driver {

// Staging directories are named ".partita-outputs.<host>.<pid>.<n>".
extern const char *const kStagingPrefix;

// Writes the files `names` into `dir` (which exists) all or nothing; false with "PATH: error: ..."
// in `err` on failure, leaving no staged file behind. The bytes are produced by `make(i)`, one file
// at a time, so that only one encoded file is held in memory at once.
bool writeOutputSet(const std::string &dir, const std::vector<std::string> &names,
                    const std::function<bool(size_t, std::string *bytes, std::string *err)> &make,
                    std::string *err);

// Removes staging directories in `dir` left by processes of this host that no longer run.
void sweepStaleStaging(const std::string &dir);

} // namespace partita::driver
