// io::AtomicFile and io::FolderLock: a failed write (disk full, a rename that cannot happen)
// leaves the old file and no temp file; a locked folder cannot be locked twice.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "../data/temp_dir.hpp"
#include "nabla/core/error.hpp"
#include "nabla/io/atomic_file.hpp"
#include "nabla/io/folder_lock.hpp"
#include "nabla/io/safetensors.hpp"

namespace nabla::test {
namespace {

namespace fs = std::filesystem;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const IoError& e) {
    return e.what();
  }
  return "";
}

// RLIMIT_FSIZE with SIGXFSZ ignored: write() past the limit fails with EFBIG, as a full disk
// fails with ENOSPC, inside this process only and only for the test's duration.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &old_);
    old_handler_ = signal(SIGXFSZ, SIG_IGN);
    rlimit lim = old_;
    lim.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &lim);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old_);
    signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit old_{};
  sighandler_t old_handler_;
};

TEST(AtomicFile, ReplacesTheFileAndLeavesNoTemp) {
  TempDir dir;
  const std::string path = dir.file("a.txt");
  io::write_file_atomic(path, "first");
  io::write_file_atomic(path, "second");
  EXPECT_EQ(read_bytes(path), "second");
  EXPECT_FALSE(fs::exists(path + ".tmp"));
}

TEST(AtomicFile, DiskFullKeepsTheOldFileAndRemovesTheTemp) {
  TempDir dir;
  const std::string path = dir.file("big.bin");
  io::write_file_atomic(path, "old content");
  std::string err;
  {
    FileSizeLimit limit(4096);
    err = error_of([&] { io::write_file_atomic(path, std::string(100000, 'x')); });
  }
  EXPECT_NE(err.find("big.bin"), std::string::npos) << err;
  EXPECT_NE(err.find("disk full?"), std::string::npos) << err;
  EXPECT_EQ(read_bytes(path), "old content");
  EXPECT_FALSE(fs::exists(path + ".tmp")) << "the partial temp file must be removed";
}

TEST(AtomicFile, DiskFullDuringACheckpointKeepsTheOldCheckpoint) {
  TempDir dir;
  const std::string path = dir.file("ckpt.safetensors");
  io::save_safetensors(path, {{"w", Tensor::ones({4})}});
  const std::string before = read_bytes(path);
  std::string err;
  {
    FileSizeLimit limit(8192);
    err = error_of([&] { io::save_safetensors(path, {{"w", Tensor::ones({100000})}}); });
  }
  EXPECT_NE(err.find("ckpt.safetensors"), std::string::npos) << err;
  EXPECT_EQ(read_bytes(path), before);
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  EXPECT_EQ(io::load_safetensors(path).at("w").numel(), 4);
}

TEST(AtomicFile, FailedRenameRemovesTheTemp) {
  TempDir dir;
  // a non-empty folder where the file should go: the rename must fail
  const std::string path = dir.file("target");
  fs::create_directories(fs::path(path) / "inside");
  const std::string err = error_of([&] { io::write_file_atomic(path, "data"); });
  EXPECT_NE(err.find("target"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  EXPECT_TRUE(fs::is_directory(path));
}

TEST(AtomicFile, UnopenableTempIsAnIoErrorNamingTheFile) {
  TempDir dir;
  const std::string err =
      error_of([&] { io::write_file_atomic(dir.file("no/such/folder/x.txt"), "data"); });
  EXPECT_NE(err.find("x.txt"), std::string::npos) << err;
}

TEST(AtomicFile, AbandonedWriterRemovesItsTemp) {
  TempDir dir;
  const std::string path = dir.file("x.txt");
  {
    io::AtomicFile f(path);
    f.write("partial");
    EXPECT_TRUE(fs::exists(path + ".tmp"));
  }  // destroyed without commit(), as when an exception unwinds past it
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  EXPECT_FALSE(fs::exists(path));
}

TEST(FolderLock, ASecondLockIsRefusedNamingTheFolder) {
  TempDir dir;
  const std::string d = dir.file("run");
  fs::create_directories(d);
  {
    io::FolderLock first(d);
    EXPECT_TRUE(first.held());
    try {
      io::FolderLock second(d);
      FAIL() << "a second lock on " << d << " was granted";
    } catch (const IoError& e) {
      FAIL() << "expected nabla::Error (in use), got IoError: " << e.what();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(d), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("in use"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(fs::is_empty(d)) << "locking must not create files in the folder";
  }
  io::FolderLock again(d);  // released with the first one
  EXPECT_TRUE(again.held());
  EXPECT_THROW(io::FolderLock(dir.file("missing")), IoError);
}

}  // namespace
}  // namespace nabla::test
