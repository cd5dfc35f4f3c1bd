#include "nabla/ops/matmul.hpp"

#include <cblas.h>

#include "nabla/autograd/node.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduce.hpp"
#include "nabla/ops/shape.hpp"

namespace nabla {
namespace {

// A 2-D operand as BLAS sees it: row-major pointer, leading dimension, transposed or not.
// Copies only when neither the rows nor the columns are unit-stride.
struct GemmOperand {
  Tensor keep;  // holds the storage alive (and the copy, if one was made)
  bool trans = false;
  int64_t ld = 0;
};

GemmOperand as_gemm_operand(const Tensor& m) {
  const int64_t r = m.shape()[0], c = m.shape()[1];
  const int64_t s0 = m.strides()[0], s1 = m.strides()[1];
  if ((s1 == 1 || c == 1) && s0 >= std::max<int64_t>(1, c)) return {m, false, s0};
  if ((s0 == 1 || r == 1) && s1 >= std::max<int64_t>(1, r)) return {m, true, s1};
  Tensor cm = m.clone_data();
  return {cm, false, std::max<int64_t>(1, c)};
}

// out (n x m, contiguous) = a (n x k) @ b (k x m) + beta * out
void gemm_into(const Tensor& a, const Tensor& b, Tensor& out, double beta = 0.0) {
  const int64_t n = a.shape()[0], k = a.shape()[1], m = b.shape()[1];
  if (n == 0 || m == 0) return;
  if (k == 0) {
    if (beta == 0.0) out.fill_(0);
    return;
  }
  GemmOperand A = as_gemm_operand(a), B = as_gemm_operand(b);
  if (a.dtype() == DType::Float32) {
    cblas_sgemm(CblasRowMajor, A.trans ? CblasTrans : CblasNoTrans,
                B.trans ? CblasTrans : CblasNoTrans, n, m, k, 1.0f, A.keep.data<float>(), A.ld,
                B.keep.data<float>(), B.ld, static_cast<float>(beta), out.data<float>(), m);
  } else {
    cblas_dgemm(CblasRowMajor, A.trans ? CblasTrans : CblasNoTrans,
                B.trans ? CblasTrans : CblasNoTrans, n, m, k, 1.0, A.keep.data<double>(), A.ld,
                B.keep.data<double>(), B.ld, beta, out.data<double>(), m);
  }
}

void check_float_pair(const Tensor& a, const Tensor& b, const char* op) {
  NABLA_CHECK(a.defined() && b.defined(), op, "undefined tensor argument");
  NABLA_CHECK(is_floating(a.dtype()) && a.dtype() == b.dtype(), op,
              "needs two float tensors of the same dtype, got ", dtype_name(a.dtype()), " and ",
              dtype_name(b.dtype()));
}

Tensor mm_raw(const Tensor& a, const Tensor& b) {
  Tensor out = Tensor::empty({a.shape()[0], b.shape()[1]}, a.dtype());
  gemm_into(a, b, out);
  return out;
}

}  // namespace

Tensor mm(const Tensor& a, const Tensor& b) {
  check_float_pair(a, b, "mm");
  NABLA_CHECK(a.dim() == 2 && b.dim() == 2, "mm", "needs 2-D tensors, got ", shape_str(a.shape()),
              " and ", shape_str(b.shape()));
  NABLA_CHECK(a.shape()[1] == b.shape()[0], "mm", "inner dimensions differ: ", shape_str(a.shape()),
              " @ ", shape_str(b.shape()));
  Tensor out = mm_raw(a, b);
  const bool ga = a.requires_grad(), gb = b.requires_grad();
  return autograd::record("mm", out, {a, b}, [a, b, ga, gb](const Tensor& g) {
    return std::vector<Tensor>{ga ? mm_raw(g, b.t()) : Tensor(), gb ? mm_raw(a.t(), g) : Tensor()};
  });
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_float_pair(a, b, "matmul");
  NABLA_CHECK(a.dim() >= 1 && b.dim() >= 1, "matmul", "needs tensors with at least 1 dim, got ",
              shape_str(a.shape()), " and ", shape_str(b.shape()));
  if (a.dim() == 1 && b.dim() == 1) {
    NABLA_CHECK(a.shape()[0] == b.shape()[0], "matmul", "dot of sizes ", a.shape()[0], " and ",
                b.shape()[0]);
    return sum(mul(a, b));
  }
  if (a.dim() == 2 && b.dim() == 2) return mm(a, b);
  if (a.dim() == 1) return matmul(a.unsqueeze(0), b).squeeze(-2);
  if (b.dim() == 1) return matmul(a, b.unsqueeze(1)).squeeze(-1);
  if (b.dim() == 2) {
    // (..., n, k) @ (k, m): one GEMM over the flattened batch
    NABLA_CHECK(a.shape().back() == b.shape()[0], "matmul",
                "inner dimensions differ: ", shape_str(a.shape()), " @ ", shape_str(b.shape()));
    Shape out_shape = a.shape();
    out_shape.back() = b.shape()[1];
    return mm(a.reshape({-1, a.shape().back()}), b).reshape(out_shape);
  }
  // batched: broadcast the batch dims
  const int64_t n = a.shape()[a.dim() - 2], k = a.shape().back();
  const int64_t k2 = b.shape()[b.dim() - 2], m = b.shape().back();
  NABLA_CHECK(k == k2, "matmul", "inner dimensions differ: ", shape_str(a.shape()), " @ ",
              shape_str(b.shape()));
  Shape ba(a.shape().begin(), a.shape().end() - 2), bb(b.shape().begin(), b.shape().end() - 2);
  Shape batch = broadcast_shapes(ba, bb, "matmul");
  Shape sa = batch, sb = batch;
  sa.push_back(n);
  sa.push_back(k);
  sb.push_back(k);
  sb.push_back(m);
  Tensor ae = a.detach().expand(sa).reshape({-1, n, k});
  Tensor be = b.detach().expand(sb).reshape({-1, k, m});
  const int64_t nb = ae.shape()[0];
  Tensor out = Tensor::empty({nb, n, m}, a.dtype());
  for (int64_t i = 0; i < nb; ++i) {
    Tensor o = out.select(0, i);
    gemm_into(ae.select(0, i), be.select(0, i), o);
  }
  Shape out_shape = batch;
  out_shape.push_back(n);
  out_shape.push_back(m);
  out = out.reshape(out_shape);
  return autograd::record("matmul", out, {a, b}, [a, b](const Tensor& g) {
    Tensor ga = a.requires_grad() ? sum_to(matmul(g, b.transpose(-1, -2)), a.shape()) : Tensor();
    Tensor gb = b.requires_grad() ? sum_to(matmul(a.transpose(-1, -2), g), b.shape()) : Tensor();
    return std::vector<Tensor>{ga, gb};
  });
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  check_float_pair(x, weight, "linear");
  NABLA_CHECK(weight.dim() == 2, "linear", "weight must be (out_features, in_features), got ",
              shape_str(weight.shape()));
  NABLA_CHECK(x.dim() >= 1 && x.shape().back() == weight.shape()[1], "linear", "input of shape ",
              shape_str(x.shape()), " does not end in in_features=", weight.shape()[1]);
  if (bias.defined())
    NABLA_CHECK(bias.dim() == 1 && bias.shape()[0] == weight.shape()[0], "linear",
                "bias must have shape [", weight.shape()[0], "], got ", shape_str(bias.shape()));
  if (x.dim() != 2) {
    Shape out_shape = x.shape();
    out_shape.back() = weight.shape()[0];
    return linear(x.reshape({-1, x.shape().back()}), weight, bias).reshape(out_shape);
  }
  Tensor out;
  if (bias.defined()) {
    // The bias rows go in first and the GEMM adds onto them (beta = 1): one pass over the
    // output instead of a GEMM pass plus a broadcast-add pass.
    out = Tensor::empty({x.shape()[0], weight.shape()[0]}, x.dtype());
    out.copy_(bias.detach().unsqueeze(0));
    gemm_into(x, weight.t(), out, 1.0);
  } else {
    out = mm_raw(x, weight.t());
  }
  return autograd::record("linear", out, {x, weight, bias}, [x, weight, bias](const Tensor& g) {
    return std::vector<Tensor>{x.requires_grad() ? mm_raw(g, weight) : Tensor(),
                               weight.requires_grad() ? mm_raw(g.t(), x) : Tensor(),
                               bias.defined() && bias.requires_grad() ? sum(g, {0}) : Tensor()};
  });
}

}  // namespace nabla
