#include "nabla/core/parallel.hpp"

#include <omp.h>

#include <algorithm>
#include <exception>

namespace nabla {

int get_num_threads() { return omp_get_max_threads(); }
void set_num_threads(int n) { omp_set_num_threads(n < 1 ? 1 : n); }
bool in_parallel_region() { return omp_in_parallel(); }

void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn) {
  const int64_t n = end - begin;
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  const int64_t max_threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  const int64_t threads = std::min<int64_t>(max_threads, n / grain + (n % grain != 0));
  if (threads <= 1) {
    fn(begin, end);
    return;
  }
  std::exception_ptr error;
#pragma omp parallel num_threads(threads)
  {
    const int64_t t = omp_get_thread_num();
    const int64_t nt = omp_get_num_threads();
    const int64_t chunk = (n + nt - 1) / nt;
    const int64_t b = begin + t * chunk;
    const int64_t e = std::min(end, b + chunk);
    if (b < e) {
      try {
        fn(b, e);
      } catch (...) {
#pragma omp critical
        if (!error) error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace nabla
