// An exclusive, advisory lock on a folder (flock(2) on the folder itself), held while the
// object lives and released by the kernel when the process ends, however it ends. Training
// holds its run folder's lock, so a second `nabla train --resume` (or --force) into a folder
// another process is writing is refused instead of interleaving two runs' files. Locking the
// folder rather than a lock file inside it leaves the folder's contents untouched (a refused
// or failed resume changes nothing) and leaves no stale file behind after a crash.
#pragma once
#include <string>

namespace nabla::io {

class FolderLock {
 public:
  FolderLock() = default;
  // Takes the lock without waiting. Throws nabla::Error naming the folder when another process
  // (or another FolderLock in this one) holds it, IoError when the folder cannot be opened. On
  // a file system without flock support it holds nothing (held() is false) rather than fail.
  explicit FolderLock(const std::string& dir);
  FolderLock(FolderLock&& o) noexcept;
  FolderLock& operator=(FolderLock&& o) noexcept;
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;
  ~FolderLock();

  bool held() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

}  // namespace nabla::io
