#include "nabla/core/storage.hpp"

#include <bit>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "nabla/core/error.hpp"

namespace nabla {
namespace {

constexpr size_t kAlign = 64;
// Buffers above this stay out of the pool's budget check only by count; the cap keeps a
// long-running process from hoarding memory after a spike.
constexpr size_t kMaxCachedBytes = size_t(1) << 31;

// No allocation can be this large (it exceeds any address space); refusing it up front also
// keeps the rounding below from wrapping around.
constexpr size_t kMaxRequestBytes = size_t(INT64_MAX);

// Rounds a request up to a size class so buffers of nearby sizes can be reused:
// multiples of 64 B below 4 KiB, then 8 classes per power of two. n <= kMaxRequestBytes, so
// n + step - 1 < 2^64.
size_t size_class(size_t n) {
  if (n <= 4096) return (n + kAlign - 1) / kAlign * kAlign;
  const size_t step = std::bit_floor(n) / 8;
  return (n + step - 1) / step * step;
}

[[noreturn]] void throw_alloc_error(size_t nbytes) {
  throw AllocError(
      "Storage: cannot allocate " + std::to_string(nbytes) + " bytes (" +
      std::to_string(nbytes >> 30) + " GiB): " +
      (nbytes > kMaxRequestBytes ? "larger than any allocation can be" : "out of memory"));
}

struct Pool {
  std::mutex mu;
  std::multimap<size_t, void*> free_blocks;
  PoolStats stats;
  ~Pool() {
    for (auto& kv : free_blocks) std::free(kv.second);
  }
};

Pool& pool() {
  static Pool* p = new Pool();  // leaked on purpose: storages may die during static destruction
  return *p;
}

}  // namespace

Storage::Storage(size_t nbytes) : nbytes_(nbytes) {
  if (nbytes > kMaxRequestBytes) throw_alloc_error(nbytes);
  capacity_ = size_class(nbytes == 0 ? kAlign : nbytes);
  Pool& p = pool();
  {
    std::lock_guard<std::mutex> lock(p.mu);
    auto it = p.free_blocks.find(capacity_);
    if (it != p.free_blocks.end()) {
      data_ = it->second;
      p.free_blocks.erase(it);
      p.stats.cached_bytes -= capacity_;
      ++p.stats.hits;
      return;
    }
    ++p.stats.misses;
  }
  data_ = std::aligned_alloc(kAlign, capacity_);
  if (!data_) throw_alloc_error(nbytes);
}

Storage::~Storage() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mu);
  if (p.stats.cached_bytes + capacity_ > kMaxCachedBytes) {
    std::free(data_);
    return;
  }
  p.free_blocks.emplace(capacity_, data_);
  p.stats.cached_bytes += capacity_;
}

PoolStats storage_pool_stats() {
  std::lock_guard<std::mutex> lock(pool().mu);
  return pool().stats;
}

void storage_pool_release() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mu);
  for (auto& kv : p.free_blocks) std::free(kv.second);
  p.free_blocks.clear();
  p.stats.cached_bytes = 0;
}

}  // namespace nabla
