// NaN and inf propagation against PyTorch 1.13 (tests/fixtures/nan_ops.safetensors, written by
// scripts/fixtures/make_nan_fixture.py): every elementwise op, activation, reduction, clamp and
// pooling op, forward and backward, on inputs holding NaN, +inf, -inf, ties and normal values,
// in float64 and float32. Equality is NaN-aware (NaN == NaN; inf only equals itself), so a
// diverged value that an op turns finite (relu(NaN) = 0) fails here. The max-pool cases also
// run the reference kernels, the oracle of the fast ones.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "nabla/autograd/node.hpp"
#include "nabla/kernels/reference/pool.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/loss.hpp"
#include "nabla/ops/pool.hpp"
#include "nabla/ops/reduce.hpp"
#include "nabla/ops/shape.hpp"
#include "tests/support/fixtures.hpp"

namespace nabla {
namespace {

using test::all_close;
using test::fixture_get;
using Inputs = std::vector<Tensor>;
using Fn = std::function<Tensor(const Inputs&)>;

const io::TensorMap& fixture() {
  static const io::TensorMap m = test::load_fixture("nan_ops");
  return m;
}
const Tensor& get(const std::string& key) { return fixture_get(fixture(), key); }

struct Case {
  std::string name;
  std::vector<std::string> inputs;  // fixture keys; float ones get gradients
  Fn fn;
  bool grads = true;
};

std::vector<Case> cases() {
  const Tensor cond = get("cond");
  const Tensor target = get("target");
  const Tensor t01 = get("t01");
  return {
      {"neg", {"x"}, [](const Inputs& v) { return neg(v[0]); }},
      {"exp", {"x"}, [](const Inputs& v) { return exp(v[0]); }},
      {"log", {"x"}, [](const Inputs& v) { return log(v[0]); }},
      {"sqrt", {"x"}, [](const Inputs& v) { return sqrt(v[0]); }},
      {"abs", {"x"}, [](const Inputs& v) { return abs(v[0]); }},
      {"sign", {"x"}, [](const Inputs& v) { return sign(v[0]); }, false},
      {"pow2", {"x"}, [](const Inputs& v) { return pow(v[0], 2.0); }},
      {"pow0", {"x"}, [](const Inputs& v) { return pow(v[0], 0.0); }},
      {"pow_half", {"x"}, [](const Inputs& v) { return pow(v[0], 0.5); }},
      {"pow_neg_half", {"x"}, [](const Inputs& v) { return pow(v[0], -0.5); }},
      {"pow3", {"x"}, [](const Inputs& v) { return pow(v[0], 3.0); }},
      {"sigmoid", {"x"}, [](const Inputs& v) { return sigmoid(v[0]); }},
      {"tanh", {"x"}, [](const Inputs& v) { return tanh(v[0]); }},
      {"relu", {"x"}, [](const Inputs& v) { return relu(v[0]); }},
      {"leaky_relu", {"x"}, [](const Inputs& v) { return leaky_relu(v[0], 0.125); }},
      {"clamp", {"x"}, [](const Inputs& v) { return clamp(v[0], -0.5, 0.5); }},
      {"clamp_min", {"x"}, [](const Inputs& v) { return clamp_min(v[0], 0.0); }},
      {"add_scalar", {"x"}, [](const Inputs& v) { return v[0] + 2.0; }},
      {"mul_scalar", {"x"}, [](const Inputs& v) { return v[0] * -3.0; }},
      {"add", {"x", "b"}, [](const Inputs& v) { return add(v[0], v[1]); }},
      {"sub", {"x", "b"}, [](const Inputs& v) { return sub(v[0], v[1]); }},
      {"mul", {"x", "b"}, [](const Inputs& v) { return mul(v[0], v[1]); }},
      {"div", {"x", "b"}, [](const Inputs& v) { return div(v[0], v[1]); }},
      {"pow_tt", {"x", "b"}, [](const Inputs& v) { return pow(v[0], v[1]); }},
      {"pow_tt_abs", {"x", "b"}, [](const Inputs& v) { return pow(abs(v[0]), v[1]); }},
      {"maximum", {"x", "b"}, [](const Inputs& v) { return maximum(v[0], v[1]); }},
      {"minimum", {"x", "b"}, [](const Inputs& v) { return minimum(v[0], v[1]); }},
      {"where",
       {"x", "b"},
       [cond](const Inputs& v) { return where(cond.to(v[0].dtype()), v[0], v[1]); }},
      {"eq", {"x", "b"}, [](const Inputs& v) { return eq(v[0], v[1]); }, false},
      {"ne", {"x", "b"}, [](const Inputs& v) { return ne(v[0], v[1]); }, false},
      {"lt", {"x", "b"}, [](const Inputs& v) { return lt(v[0], v[1]); }, false},
      {"le", {"x", "b"}, [](const Inputs& v) { return le(v[0], v[1]); }, false},
      {"gt", {"x", "b"}, [](const Inputs& v) { return gt(v[0], v[1]); }, false},
      {"ge", {"x", "b"}, [](const Inputs& v) { return ge(v[0], v[1]); }, false},
      {"relu_gbad", {"x"}, [](const Inputs& v) { return relu(v[0]); }},
      {"clamp_gbad", {"x"}, [](const Inputs& v) { return clamp(v[0], -0.5, 0.5); }},
      {"clamp_min_gbad", {"x"}, [](const Inputs& v) { return clamp_min(v[0], 0.0); }},
      {"maximum_gbad", {"x", "b"}, [](const Inputs& v) { return maximum(v[0], v[1]); }},
      {"minimum_gbad", {"x", "b"}, [](const Inputs& v) { return minimum(v[0], v[1]); }},
      {"where_gbad",
       {"x", "b"},
       [cond](const Inputs& v) { return where(cond.to(v[0].dtype()), v[0], v[1]); }},
      {"abs_gbad", {"x"}, [](const Inputs& v) { return abs(v[0]); }},
      {"leaky_relu_gbad", {"x"}, [](const Inputs& v) { return leaky_relu(v[0], 0.125); }},
      {"sum_all", {"x"}, [](const Inputs& v) { return sum(v[0]); }},
      {"sum_dim1", {"x"}, [](const Inputs& v) { return sum(v[0], {1}); }},
      {"mean_all", {"x"}, [](const Inputs& v) { return mean(v[0]); }},
      {"mean_dim0", {"x"}, [](const Inputs& v) { return mean(v[0], {0}); }},
      {"var_dim1", {"x"}, [](const Inputs& v) { return var(v[0], {1}); }},
      {"max_all", {"x"}, [](const Inputs& v) { return max(v[0]); }},
      {"min_all", {"x"}, [](const Inputs& v) { return min(v[0]); }},
      {"max_all_inf", {"xf"}, [](const Inputs& v) { return max(v[0]); }},
      {"max_all_gnan", {"xf"}, [](const Inputs& v) { return max(v[0]); }},
      {"min_all_inf", {"xf"}, [](const Inputs& v) { return min(v[0]); }},
      {"max_dim1", {"x"}, [](const Inputs& v) { return max(v[0], 1); }},
      {"min_dim1", {"x"}, [](const Inputs& v) { return min(v[0], 1); }},
      {"max_dim0", {"x"}, [](const Inputs& v) { return max(v[0], 0); }},
      {"softmax", {"x"}, [](const Inputs& v) { return softmax(v[0], 1); }},
      {"log_softmax", {"x"}, [](const Inputs& v) { return log_softmax(v[0], 1); }},
      {"logsumexp", {"x"}, [](const Inputs& v) { return logsumexp(v[0], 1); }},
      {"logsumexp_dim0", {"x"}, [](const Inputs& v) { return logsumexp(v[0], 0); }},
      {"cross_entropy",
       {"x"},
       [target](const Inputs& v) {
         return cross_entropy(v[0], target, {.reduction = Reduction::None});
       }},
      {"mse", {"x", "b"}, [](const Inputs& v) { return mse_loss(v[0], v[1], Reduction::None); }},
      {"nll",
       {"x"},
       [target](const Inputs& v) {
         return nll_loss(v[0], target, {.reduction = Reduction::None});
       }},
      {"bce_logits",
       {"x"},
       [t01](const Inputs& v) {
         return binary_cross_entropy_with_logits(v[0], t01.to(v[0].dtype()),
                                                 {.reduction = Reduction::None});
       }},
      {"max_pool2d",
       {"p4"},
       [](const Inputs& v) { return max_pool2d(v[0], {.kernel = 2, .stride = 2}); }},
      {"max_pool2d_pad",
       {"p4"},
       [](const Inputs& v) { return max_pool2d(v[0], {.kernel = 3, .stride = 1, .padding = 1}); }},
      {"max_pool2d_ceil",
       {"p4"},
       [](const Inputs& v) {
         return max_pool2d(v[0], {.kernel = 2, .stride = 2, .ceil_mode = true});
       }},
      {"max_pool2d_wide",
       {"p20"},
       [](const Inputs& v) {
         return max_pool2d(v[0], {.kernel = {2, 3}, .stride = 1, .padding = 1});
       }},
      {"max_pool2d_wide_s2",
       {"p20"},
       [](const Inputs& v) { return max_pool2d(v[0], {.kernel = 2, .stride = 2}); }},
      {"adaptive_max_pool2d",
       {"p4"},
       [](const Inputs& v) {
         return adaptive_max_pool2d(v[0], {3, 2});
       }},
      {"avg_pool2d",
       {"p4"},
       [](const Inputs& v) { return avg_pool2d(v[0], {.kernel = 2, .stride = 2}); }},
      {"avg_pool2d_pad",
       {"p4"},
       [](const Inputs& v) {
         return avg_pool2d(v[0],
                           {.kernel = 3, .stride = 1, .padding = 1, .count_include_pad = false});
       }},
      {"adaptive_avg_pool2d",
       {"p4"},
       [](const Inputs& v) {
         return adaptive_avg_pool2d(v[0], {3, 2});
       }},
      {"max_pool1d",
       {"p1"},
       [](const Inputs& v) { return max_pool1d(v[0], {.kernel = 2, .stride = 2}); }},
      {"max_pool1d_pad",
       {"p1"},
       [](const Inputs& v) { return max_pool1d(v[0], {.kernel = 3, .stride = 1, .padding = 1}); }},
      {"avg_pool1d",
       {"p1"},
       [](const Inputs& v) { return avg_pool1d(v[0], {.kernel = 3, .stride = 2, .padding = 1}); }},
  };
}

// Forward value and gradients of one case in `dtype`, against the fixture.
void check_case(const Case& c, DType dtype) {
  SCOPED_TRACE(c.name + " " + dtype_name(dtype));
  const double rtol = dtype == DType::Float64 ? 1e-10 : 1e-5;
  const double atol = dtype == DType::Float64 ? 1e-12 : 1e-5;
  Inputs in;
  for (const auto& k : c.inputs) {
    Tensor t =
        get(k).to(dtype).clone();  // a fresh leaf: to() returns the fixture itself for float64
    if (c.grads) t.set_requires_grad();
    in.push_back(t);
  }
  Tensor y = c.fn(in);
  const Tensor& want_y = get(c.name + ".y");
  EXPECT_TRUE(all_close(y.to(DType::Float64), want_y, rtol, atol)) << "forward";
  if (!c.grads) return;
  y.backward(get(c.name + ".gy").to(dtype));
  const char* grad_keys[] = {"gx", "gb"};
  for (size_t i = 0; i < in.size(); ++i) {
    const std::string key = c.name + "." + grad_keys[i];
    ASSERT_TRUE(in[i].grad().defined()) << key << ": no gradient";
    EXPECT_TRUE(all_close(in[i].grad().to(DType::Float64), get(key), rtol, atol)) << key;
  }
}

TEST(NanPropagation, MatchesPytorchFloat64) {
  for (const Case& c : cases()) check_case(c, DType::Float64);
}

TEST(NanPropagation, MatchesPytorchFloat32) {
  for (const Case& c : cases()) check_case(c, DType::Float32);
}

// The index each max/min sends its gradient to: argmax/argmin pick the first NaN, else the
// first extreme, as PyTorch.
TEST(NanPropagation, ArgmaxArgminIndices) {
  const Tensor x = get("x");
  EXPECT_EQ(argmax(x, 1).to_vector<int64_t>(), get("argmax_dim1.y").to_vector<int64_t>());
  EXPECT_EQ(argmin(x, 1).to_vector<int64_t>(), get("argmin_dim1.y").to_vector<int64_t>());
  EXPECT_EQ(argmax(x, 0).to_vector<int64_t>(), get("argmax_dim0.y").to_vector<int64_t>());
  EXPECT_EQ(argmax(x, 1).to_vector<int64_t>(), get("max_dim1.i").to_vector<int64_t>());
  EXPECT_EQ(argmin(x, 1).to_vector<int64_t>(), get("min_dim1.i").to_vector<int64_t>());
  EXPECT_EQ(argmax(x, 0).to_vector<int64_t>(), get("max_dim0.i").to_vector<int64_t>());
}

// Max pooling returns PyTorch's indices: a NaN wins its window (the last NaN when there are
// several), padding never wins, the first of tied maxima wins.
TEST(NanPropagation, MaxPoolIndices) {
  for (DType dt : {DType::Float64, DType::Float32}) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor p4 = get("p4").to(dt), p20 = get("p20").to(dt);
    auto idx = [](const std::pair<Tensor, Tensor>& r) { return r.second.to_vector<int64_t>(); };
    EXPECT_EQ(idx(max_pool2d_with_indices(p4, {.kernel = 2, .stride = 2})),
              get("max_pool2d.i").to_vector<int64_t>());
    EXPECT_EQ(idx(max_pool2d_with_indices(p4, {.kernel = 3, .stride = 1, .padding = 1})),
              get("max_pool2d_pad.i").to_vector<int64_t>());
    EXPECT_EQ(idx(max_pool2d_with_indices(p4, {.kernel = 2, .stride = 2, .ceil_mode = true})),
              get("max_pool2d_ceil.i").to_vector<int64_t>());
    EXPECT_EQ(idx(max_pool2d_with_indices(p20, {.kernel = {2, 3}, .stride = 1, .padding = 1})),
              get("max_pool2d_wide.i").to_vector<int64_t>());
    EXPECT_EQ(idx(max_pool2d_with_indices(p20, {.kernel = 2, .stride = 2})),
              get("max_pool2d_wide_s2.i").to_vector<int64_t>());
    EXPECT_EQ(idx(adaptive_max_pool2d_with_indices(p4, {3, 2})),
              get("adaptive_max_pool2d.i").to_vector<int64_t>());
  }
}

// The reference kernels (the fast kernels' oracle) give PyTorch's values and indices too.
template <class T>
void check_reference_max_pool(const std::string& name, const std::string& input,
                              const MaxPool2dFuncOptions& opt) {
  SCOPED_TRACE(name);
  const Tensor x = get(input).to(DTypeOf<T>::value).contiguous();
  kernels::Pool2dParams p;
  p.batch = x.size(0), p.channels = x.size(1), p.in_h = x.size(2), p.in_w = x.size(3);
  p.kernel_h = opt.kernel.h, p.kernel_w = opt.kernel.w;
  const Size2 stride = opt.stride.value_or(opt.kernel);
  p.stride_h = stride.h, p.stride_w = stride.w, p.pad_h = opt.padding.h, p.pad_w = opt.padding.w;
  p.out_h = pool_output_size(p.in_h, p.kernel_h, p.stride_h, p.pad_h, 1, opt.ceil_mode);
  p.out_w = pool_output_size(p.in_w, p.kernel_w, p.stride_w, p.pad_w, 1, opt.ceil_mode);
  Tensor y = Tensor::empty({p.batch, p.channels, p.out_h, p.out_w}, x.dtype());
  Tensor idx = Tensor::empty(y.shape(), DType::Int64);
  kernels::reference::max_pool2d_forward<T>(p, x.data<T>(), y.data<T>(), idx.data<int64_t>());
  EXPECT_TRUE(all_close(y.to(DType::Float64), get(name + ".y"), 0, 0));
  EXPECT_EQ(idx.to_vector<int64_t>(), get(name + ".i").to_vector<int64_t>());
}

template <class T>
void check_reference_adaptive_and_avg() {
  const Tensor x = get("p4").to(DTypeOf<T>::value).contiguous();
  kernels::AdaptivePool2dParams a;
  a.batch = 1, a.channels = 2, a.in_h = 5, a.in_w = 5, a.out_h = 3, a.out_w = 2;
  Tensor y = Tensor::empty({1, 2, 3, 2}, x.dtype());
  Tensor idx = Tensor::empty(y.shape(), DType::Int64);
  kernels::reference::adaptive_max_pool2d_forward<T>(a, x.data<T>(), y.data<T>(),
                                                     idx.data<int64_t>());
  EXPECT_TRUE(all_close(y.to(DType::Float64), get("adaptive_max_pool2d.y"), 0, 0));
  EXPECT_EQ(idx.to_vector<int64_t>(), get("adaptive_max_pool2d.i").to_vector<int64_t>());
  kernels::reference::adaptive_avg_pool2d_forward<T>(a, x.data<T>(), y.data<T>());
  EXPECT_TRUE(all_close(y.to(DType::Float64), get("adaptive_avg_pool2d.y"), 1e-6, 1e-6));
  kernels::Pool2dParams p;
  p.batch = 1, p.channels = 2, p.in_h = 5, p.in_w = 5, p.out_h = 2, p.out_w = 2;
  p.kernel_h = p.kernel_w = p.stride_h = p.stride_w = 2;
  Tensor ya = Tensor::empty({1, 2, 2, 2}, x.dtype());
  kernels::reference::avg_pool2d_forward<T>(p, x.data<T>(), ya.data<T>());
  EXPECT_TRUE(all_close(ya.to(DType::Float64), get("avg_pool2d.y"), 1e-6, 1e-6));
}

TEST(NanPropagation, ReferenceAdaptiveAndAvgPoolKernels) {
  check_reference_adaptive_and_avg<double>();
  check_reference_adaptive_and_avg<float>();
}

TEST(NanPropagation, ReferenceMaxPoolKernel) {
  for (auto run : {check_reference_max_pool<double>, check_reference_max_pool<float>}) {
    run("max_pool2d", "p4", {.kernel = 2, .stride = 2});
    run("max_pool2d_pad", "p4", {.kernel = 3, .stride = 1, .padding = 1});
    run("max_pool2d_ceil", "p4", {.kernel = 2, .stride = 2, .ceil_mode = true});
    run("max_pool2d_wide", "p20", {.kernel = {2, 3}, .stride = 1, .padding = 1});
    run("max_pool2d_wide_s2", "p20", {.kernel = 2, .stride = 2});
  }
}

// A diverged network stays visibly diverged: NaN in, NaN loss out, and no op on the way
// (relu, max pooling, max) swaps it for a finite number.
TEST(NanPropagation, NanSurvivesReluAndPooling) {
  Tensor x = Tensor::full({1, 1, 4, 4}, 1.0);
  {
    autograd::NoGradGuard ng;
    x.data<float>()[5] = NAN;
  }
  Tensor y = max(max_pool2d(relu(x), {.kernel = 2}));
  EXPECT_TRUE(std::isnan(y.item()));
}

}  // namespace
}  // namespace nabla
