// Replacing a file so that a reader (or a crash, or a full disk) never sees half of it: write a
// temp file beside the target, fsync it, rename it over the target, fsync the folder. Every
// file nabla replaces (checkpoints, weights, configs, metrics, summaries, reports) goes
// through here. On any failure the temp file is removed and the old file is left as it was.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace nabla::io {

class AtomicFile {
 public:
  // Opens `path` + ".tmp" for writing; IoError naming the file when it cannot.
  explicit AtomicFile(std::string path);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  // Removes the temp file unless commit() succeeded.
  ~AtomicFile();

  // IoError naming the file and the reason (ENOSPC, EFBIG: "disk full?"); the temp file is
  // removed before it throws.
  void write(const void* data, size_t size);
  void write(std::string_view bytes) { write(bytes.data(), bytes.size()); }
  // fsync, rename over the target, fsync the folder. After it the new content is durable.
  void commit();

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return tmp_; }

 private:
  [[noreturn]] void fail(const std::string& what, int err);
  void discard() noexcept;

  std::string path_;
  std::string tmp_;
  int fd_ = -1;
  bool committed_ = false;
};

// The whole file in one call.
void write_file_atomic(const std::string& path, std::string_view bytes);

}  // namespace nabla::io
