// Outputs written whole or not at all (poolsim/recording/output_file.hpp): the temporary's name, commit and
// discard, the stream buffer, the lock and the removal of a killed writer's temporaries.
#include "poolsim/recording/output_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ostream>
#include <string>
#include <vector>

namespace poolsim {
namespace {

namespace fs = std::filesystem;

fs::path test_dir() {
  const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  const fs::path dir = fs::path(::testing::TempDir()) / ("poolsim_output_" + test);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(dir)) out.push_back(entry.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(TemporaryFile, IsNamedForItsProcessAndRenamedOverTheTarget) {
  const fs::path dir = test_dir();
  {
    std::ofstream(dir / "out.txt") << "old";
  }
  TemporaryFile tmp(dir / "out.txt", "cannot write 'out.txt': ");
  EXPECT_EQ(tmp.path(), dir / ("out.txt.tmp." + std::to_string(::getpid())));
  EXPECT_EQ(tmp.write_all("new"), 0);
  EXPECT_EQ(file_bytes(dir / "out.txt"), "old");
  tmp.commit();
  EXPECT_EQ(file_bytes(dir / "out.txt"), "new");
  EXPECT_EQ(names_in(dir), std::vector<std::string>{"out.txt"});
}

TEST(TemporaryFile, TakesAnotherNameWhenItsOwnIsTaken) {
  const fs::path dir = test_dir();
  TemporaryFile first(dir / "out.txt", "");
  TemporaryFile second(dir / "out.txt", "");
  EXPECT_EQ(second.path(), fs::path(first.path().string() + ".1"));
}

TEST(TemporaryFile, WithoutCommitLeavesTheTargetAsItWas) {
  const fs::path dir = test_dir();
  {
    std::ofstream(dir / "out.txt") << "old";
    TemporaryFile tmp(dir / "out.txt", "");
    EXPECT_EQ(tmp.write_all("half"), 0);
  }
  EXPECT_EQ(file_bytes(dir / "out.txt"), "old");
  EXPECT_EQ(names_in(dir), std::vector<std::string>{"out.txt"});
}

TEST(TemporaryFile, AFailureNamesTheFileAndRemovesTheTemporary) {
  const fs::path dir = test_dir();
  TemporaryFile tmp(dir / "out.txt", "cannot write 'out.txt': ");
  try {
    tmp.fail(ENOSPC);
    FAIL() << "no exception";
  } catch (const OutputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "cannot write 'out.txt': No space left on device (the file system is full: free some space, or write "
              "elsewhere)");
  }
  EXPECT_TRUE(names_in(dir).empty());
  EXPECT_THROW(tmp.commit(), std::logic_error);
}

TEST(TemporaryFile, InAMissingDirectoryThrowsNamingIt) {
  const fs::path dir = test_dir() / "none";
  try {
    TemporaryFile tmp(dir / "out.txt", "cannot write 'out.txt': ");
    FAIL() << "no exception";
  } catch (const OutputError& e) {
    const std::string got = e.what();
    EXPECT_NE(got.find("cannot write 'out.txt': cannot create '" + (dir / "out.txt.tmp.").string()), std::string::npos)
        << got;
    EXPECT_NE(got.find("No such file or directory"), std::string::npos) << got;
  }
}

TEST(TemporaryFileBuf, WritesThroughItsBufferOnFinish) {
  const fs::path dir = test_dir();
  TemporaryFile tmp(dir / "out.txt", "");
  TemporaryFileBuf buf(tmp);
  std::ostream out(&buf);
  const std::string line(1000, 'x');
  for (int i = 0; i < 200; ++i) out << line << '\n';  // more than one buffer
  buf.finish();
  tmp.commit();
  EXPECT_EQ(fs::file_size(dir / "out.txt"), 200U * 1001U);
}

TEST(OutputLock, ASecondWriterOfTheSameOutputFailsAtOnce) {
  const fs::path dir = test_dir();
  {
    const OutputLock held(dir / "out.h5");
    EXPECT_TRUE(fs::exists(dir / "out.h5.lock"));
    try {
      const OutputLock second(dir / "out.h5");  // another open file description: flock refuses it
      FAIL() << "no exception";
    } catch (const OutputError& e) {
      const std::string got = e.what();
      EXPECT_NE(got.find("'" + (dir / "out.h5").string() + "' is being written by another process (pid " +
                         std::to_string(::getpid()) + ")"),
                std::string::npos)
          << got;
    }
    const OutputLock other(dir / "other.h5");  // another output: its own lock
  }
  EXPECT_TRUE(names_in(dir).empty());  // the lock files are removed with the locks
  const OutputLock again(dir / "out.h5");
}

TEST(OutputLock, RemovesTheTemporariesOfAKilledWriter) {
  const fs::path dir = test_dir();
  for (const char* name : {"out.h5.tmp", "out.h5.tmp.123", "out.h5.tmp.123.1", "out.h5.lock", "out.h5x.tmp.1",
                           "out.h5", "other.h5.tmp.9"}) {
    std::ofstream(dir / name) << "left";
  }
  {
    const OutputLock lock(dir / "out.h5");
    EXPECT_EQ(names_in(dir), (std::vector<std::string>{"other.h5.tmp.9", "out.h5", "out.h5.lock", "out.h5x.tmp.1"}));
  }
  EXPECT_EQ(file_bytes(dir / "out.h5"), "left");
}

TEST(OutputFile, TemporaryNames) {
  EXPECT_TRUE(is_temporary_of("a.h5.tmp", "a.h5"));
  EXPECT_TRUE(is_temporary_of("a.h5.tmp.42", "a.h5"));
  EXPECT_FALSE(is_temporary_of("a.h5.tmpx", "a.h5"));
  EXPECT_FALSE(is_temporary_of("a.h5", "a.h5"));
  EXPECT_FALSE(is_temporary_of("b.h5.tmp.1", "a.h5"));
}

}  // namespace
}  // namespace poolsim
