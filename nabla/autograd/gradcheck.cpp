#include "nabla/autograd/gradcheck.hpp"

#include <cmath>
#include <sstream>

#include "nabla/autograd/node.hpp"

namespace nabla::autograd {
namespace {

// sum(out * w) in double, reading any layout.
double weighted_sum(const Tensor& out, const std::vector<double>& w) {
  std::vector<double> v = out.to_vector<double>();
  double s = 0;
  for (size_t i = 0; i < v.size(); ++i) s += v[i] * w[i];
  return s;
}

}  // namespace

GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn,
                          const std::vector<Tensor>& inputs, const GradcheckOptions& opt) {
  GradcheckResult res;
  std::vector<Tensor> diff;
  for (const Tensor& t : inputs) {
    NABLA_CHECK(!t.defined() || !t.requires_grad() || t.dtype() == DType::Float64, "gradcheck",
                "inputs that require grad must be float64, got ", dtype_name(t.dtype()));
    if (t.defined() && t.requires_grad()) diff.push_back(t);
  }
  NABLA_CHECK(!diff.empty(), "gradcheck", "no input requires grad");

  Tensor out = fn(inputs);
  NABLA_CHECK(out.defined() && out.requires_grad(), "gradcheck",
              "the function's output does not require grad");
  // Fixed pseudo-random weights so every output element contributes differently.
  Generator gen(12345);
  std::vector<double> w(out.numel());
  for (auto& x : w) x = gen.uniform() + 0.5;
  Tensor wt = Tensor::empty(out.shape(), out.dtype()).copy_(Tensor::from_vector(w, out.shape()));
  std::vector<Tensor> analytic = grad(out, diff, wt, false);

  NoGradGuard no_grad;
  for (size_t k = 0; k < diff.size(); ++k) {
    Tensor x = diff[k];
    double* p = x.data<double>();
    std::vector<int64_t> offs;
    for_each_offset(x.shape(), x.strides(), [&](int64_t off) { offs.push_back(off); });
    std::vector<double> a = analytic[k].to_vector<double>();
    for (size_t i = 0; i < offs.size(); ++i) {
      const double orig = p[offs[i]];
      p[offs[i]] = orig + opt.eps;
      const double fp = weighted_sum(fn(inputs), w);
      p[offs[i]] = orig - opt.eps;
      const double fm = weighted_sum(fn(inputs), w);
      p[offs[i]] = orig;
      const double num = (fp - fm) / (2 * opt.eps);
      const double err = std::abs(num - a[i]);
      res.max_abs_error = std::max(res.max_abs_error, err);
      if (res.ok && err > opt.atol + opt.rtol * std::abs(num)) {
        std::ostringstream os;
        os << "input " << k << " (shape " << shape_str(x.shape()) << "), element " << i
           << ": numerical " << num << " vs analytical " << a[i];
        res.ok = false;
        res.message = os.str();
      }
    }
  }
  return res;
}

}  // namespace nabla::autograd
