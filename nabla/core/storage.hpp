// Storage: an aligned, reference-counted byte buffer. Freed buffers go back to a caching
// pool keyed by size, so a training step reuses last step's buffers instead of calling
// malloc/mmap (on this VM touching fresh pages is expensive, see anchors/REPORT.md).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

namespace nabla {

class Storage {
 public:
  explicit Storage(size_t nbytes);  // uninitialized, 64-byte aligned
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() { return data_; }
  const void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }

 private:
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  size_t capacity_ = 0;
};

struct PoolStats {
  size_t cached_bytes = 0;
  size_t hits = 0;
  size_t misses = 0;
};
PoolStats storage_pool_stats();
void storage_pool_release();  // frees every cached buffer

}  // namespace nabla
