#include "nabla/io/folder_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "nabla/core/error.hpp"

namespace nabla::io {

FolderLock::FolderLock(const std::string& dir) {
  // O_CLOEXEC: a child process (gnuplot for a report) must not inherit and outlive the lock.
  fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_ < 0) {
    const int err = errno;
    throw IoError(dir + ": cannot open the run folder to lock it (" + std::strerror(err) + ")");
  }
  int rc;
  do rc = ::flock(fd_, LOCK_EX | LOCK_NB);
  while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK)
      throw Error(dir +
                  ": the run folder is in use by another nabla process (a training writing it); "
                  "wait for it to finish or stop it, or choose another --out");
    // A file system without flock (some network mounts: ENOLCK, EOPNOTSUPP) must not make
    // training impossible: the run goes on unlocked, as every run did before locks.
    if (err != ENOLCK && err != EOPNOTSUPP && err != EINVAL)
      throw IoError(dir + ": cannot lock the run folder (" + std::strerror(err) + ")");
  }
}

FolderLock::FolderLock(FolderLock&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}

FolderLock& FolderLock::operator=(FolderLock&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

FolderLock::~FolderLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

}  // namespace nabla::io
