#include "nabla/io/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "nabla/core/error.hpp"

namespace nabla::io {
namespace {

std::string reason(int err) {
  std::string r = std::strerror(err);
  if (err == ENOSPC || err == EFBIG || err == EDQUOT) r += "; disk full?";
  return r;
}

// The rename is only durable once the folder's entry is on disk too. Folders on some file
// systems refuse fsync (EINVAL); the rename has still happened then.
void sync_folder(const std::string& path) {
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)), tmp_(path_ + ".tmp") {
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    const int err = errno;
    throw IoError(path_ + ": cannot write (" + reason(err) + ")");
  }
}

AtomicFile::~AtomicFile() {
  if (!committed_) discard();
}

void AtomicFile::discard() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(tmp_.c_str());
}

void AtomicFile::fail(const std::string& what, int err) {
  discard();
  throw IoError(path_ + ": " + what + " (" + reason(err) + "); the previous version is unchanged");
}

void AtomicFile::write(const void* data, size_t size) {
  NABLA_CHECK(fd_ >= 0 && !committed_, "AtomicFile::write", path_,
              " is already committed or failed");
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd_, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("write failed", n < 0 ? errno : ENOSPC);
    p += n;
    size -= static_cast<size_t>(n);
  }
}

void AtomicFile::commit() {
  NABLA_CHECK(fd_ >= 0 && !committed_, "AtomicFile::commit", path_,
              " is already committed or failed");
  // Data first, then the name: after a crash the target holds the old or the new content.
  if (::fsync(fd_) != 0) fail("fsync failed", errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("close failed", errno);
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0) fail("cannot replace it", errno);
  committed_ = true;
  sync_folder(path_);
}

void write_file_atomic(const std::string& path, std::string_view bytes) {
  AtomicFile f(path);
  f.write(bytes);
  f.commit();
}

}  // namespace nabla::io
