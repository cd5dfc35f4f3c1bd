// One way to split work across threads (OpenMP underneath). Nested calls run serially, so a
// kernel may call parallel_for without knowing whether its caller already did.
#pragma once
#include <cstdint>
#include <functional>

namespace nabla {

int get_num_threads();
void set_num_threads(int n);  // also the OpenMP (and so OpenBLAS-openmp) thread count
bool in_parallel_region();

// fn(begin, end) over [begin, end) split into chunks of at least `grain` items.
void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn);

}  // namespace nabla
