// PendingFile / writeFileAtomically: outputs appear whole on commit or not at all, and
// never leave temporary files behind.
#include "ir/FileIO.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace partita;
namespace fs = std::filesystem;

namespace {

class FileIOTest : public ::testing::Test {
protected:
  void SetUp() override {
    char templ[] = "/tmp/partita-fileio.XXXXXX";
    ASSERT_NE(mkdtemp(templ), nullptr);
    dir_ = templ;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string &name) const { return dir_ + "/" + name; }
  size_t entries() const {
    size_t n = 0;
    for ([[maybe_unused]] auto &e : fs::directory_iterator(dir_))
      ++n;
    return n;
  }
  static std::string read(const std::string &p) {
    std::ifstream is(p);
    std::stringstream ss;
    ss << is.rdbuf();
    return ss.str();
  }
  std::string dir_;
};

TEST_F(FileIOTest, CommitReplacesTheTargetWhole) {
  std::ofstream(path("a.txt")) << "old";
  std::string why;
  PendingFile f(path("a.txt"));
  ASSERT_TRUE(f.write("new text", &why)) << why;
  EXPECT_EQ(read(path("a.txt")), "old"); // untouched until commit
  ASSERT_TRUE(f.commit(&why)) << why;
  EXPECT_EQ(read(path("a.txt")), "new text");
  EXPECT_EQ(entries(), 1u);
  EXPECT_EQ(fs::status(path("a.txt")).permissions() & fs::perms::others_read,
            fs::perms::others_read);
}

TEST_F(FileIOTest, NoCommitLeavesNothing) {
  {
    PendingFile f(path("b.txt"));
    std::string why;
    ASSERT_TRUE(f.write("never committed", &why)) << why;
  }
  EXPECT_EQ(entries(), 0u);
}

TEST_F(FileIOTest, ErrorsSayWhy) {
  std::string why;
  EXPECT_FALSE(writeFileAtomically(dir_, "x", &why));
  EXPECT_EQ(why, "is a directory");
  EXPECT_FALSE(writeFileAtomically(path("no/such/dir/c.txt"), "x", &why));
  EXPECT_EQ(why, "cannot create a temporary file beside it");
  EXPECT_EQ(entries(), 0u);
}

TEST_F(FileIOTest, DeviceTargetsAreWrittenInPlace) {
  std::string why;
  EXPECT_TRUE(writeFileAtomically("/dev/null", "discarded", &why)) << why;
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
}

} // namespace
