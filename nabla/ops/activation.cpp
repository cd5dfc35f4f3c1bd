#include "nabla/ops/activation.hpp"

#include "nabla/ops/reduce.hpp"
#include "nabla/ops/shape.hpp"

namespace nabla {

Tensor maxout(const Tensor& x, int64_t pieces, int64_t dim) {
  NABLA_CHECK(x.defined(), "maxout", "input is undefined");
  const int64_t d = x.wrap_dim(dim, "maxout");
  NABLA_CHECK(pieces >= 1 && x.size(d) % pieces == 0, "maxout", "dim ", dim, " of input ",
              shape_str(x.shape()), " must be a multiple of pieces = ", pieces);
  // (..., out*pieces, ...) -> (..., out, pieces, ...) -> max over the pieces axis.
  Shape s = x.shape();
  s[d] = x.size(d) / pieces;
  s.insert(s.begin() + d + 1, pieces);
  return max(reshape(x, s), d + 1);
}

}  // namespace nabla
