// 3-D convolution and transposed convolution as sums of 2-D ones over the kernel's depth
// (conv_depth.hpp), against plain seven-loop definitions in float64: strides, dilations,
// asymmetric padding and groups on every axis. The ONNX node and pytorch-converted Conv3d /
// ConvTranspose3d cases check the same code against PyTorch's numbers.
#include <gtest/gtest.h>

#include "nabla/core/random.hpp"
#include "nabla/onnx/conv_depth.hpp"
#include "nabla/ops/ops.hpp"

namespace nabla::onnx {
namespace {

struct Dims {
  int64_t n, c, d, h, w;
};

// y[n, o, z, y, x] = sum over (i in o's group, kz, ky, kx) of x[n, i, z*s - pb + kz*dl, ...] w[...]
std::vector<double> conv3d_loops(const Tensor& x, const Tensor& w, const VolumeWindow& o,
                                 Shape& out) {
  const auto xs = x.shape(), ws = w.shape();
  const auto xv = x.to_vector<double>(), wv = w.to_vector<double>();
  const int64_t cout = ws[0], cg = ws[1], og = cout / o.groups;
  std::array<int64_t, 3> in{xs[2], xs[3], xs[4]}, k{ws[2], ws[3], ws[4]}, os{};
  for (int a = 0; a < 3; ++a)
    os[a] =
        (in[a] + o.pad_begin[a] + o.pad_end[a] - o.dilation[a] * (k[a] - 1) - 1) / o.stride[a] + 1;
  out = {xs[0], cout, os[0], os[1], os[2]};
  std::vector<double> y(xs[0] * cout * os[0] * os[1] * os[2], 0.0);
  size_t at = 0;
  for (int64_t b = 0; b < xs[0]; ++b)
    for (int64_t oc = 0; oc < cout; ++oc)
      for (int64_t z = 0; z < os[0]; ++z)
        for (int64_t r = 0; r < os[1]; ++r)
          for (int64_t q = 0; q < os[2]; ++q, ++at)
            for (int64_t ic = 0; ic < cg; ++ic)
              for (int64_t kz = 0; kz < k[0]; ++kz)
                for (int64_t ky = 0; ky < k[1]; ++ky)
                  for (int64_t kx = 0; kx < k[2]; ++kx) {
                    const int64_t iz = z * o.stride[0] - o.pad_begin[0] + kz * o.dilation[0];
                    const int64_t iy = r * o.stride[1] - o.pad_begin[1] + ky * o.dilation[1];
                    const int64_t ix = q * o.stride[2] - o.pad_begin[2] + kx * o.dilation[2];
                    if (iz < 0 || iy < 0 || ix < 0 || iz >= in[0] || iy >= in[1] || ix >= in[2])
                      continue;
                    const int64_t ci = (oc / og) * cg + ic;
                    y[at] += xv[(((b * xs[1] + ci) * in[0] + iz) * in[1] + iy) * in[2] + ix] *
                             wv[(((oc * cg + ic) * k[0] + kz) * k[1] + ky) * k[2] + kx];
                  }
  return y;
}

// The transposed convolution scatters each input cell through the kernel.
std::vector<double> conv_transpose3d_loops(const Tensor& x, const Tensor& w, const VolumeWindow& o,
                                           Shape& out) {
  const auto xs = x.shape(), ws = w.shape();
  const auto xv = x.to_vector<double>(), wv = w.to_vector<double>();
  const int64_t cin = xs[1], og = ws[1], cg = cin / o.groups;
  std::array<int64_t, 3> in{xs[2], xs[3], xs[4]}, k{ws[2], ws[3], ws[4]}, os{};
  for (int a = 0; a < 3; ++a) os[a] = (in[a] - 1) * o.stride[a] + (k[a] - 1) * o.dilation[a] + 1;
  out = {xs[0], og * o.groups, os[0], os[1], os[2]};
  std::vector<double> y(xs[0] * out[1] * os[0] * os[1] * os[2], 0.0);
  for (int64_t b = 0; b < xs[0]; ++b)
    for (int64_t ic = 0; ic < cin; ++ic)
      for (int64_t z = 0; z < in[0]; ++z)
        for (int64_t r = 0; r < in[1]; ++r)
          for (int64_t q = 0; q < in[2]; ++q)
            for (int64_t oc = 0; oc < og; ++oc)
              for (int64_t kz = 0; kz < k[0]; ++kz)
                for (int64_t ky = 0; ky < k[1]; ++ky)
                  for (int64_t kx = 0; kx < k[2]; ++kx) {
                    const int64_t oz = z * o.stride[0] + kz * o.dilation[0];
                    const int64_t oy = r * o.stride[1] + ky * o.dilation[1];
                    const int64_t ox = q * o.stride[2] + kx * o.dilation[2];
                    const int64_t co = (ic / cg) * og + oc;
                    y[(((b * out[1] + co) * os[0] + oz) * os[1] + oy) * os[2] + ox] +=
                        xv[(((b * cin + ic) * in[0] + z) * in[1] + r) * in[2] + q] *
                        wv[(((ic * og + oc) * k[0] + kz) * k[1] + ky) * k[2] + kx];
                  }
  return y;
}

VolumeWindow window(std::array<int64_t, 3> s, std::array<int64_t, 3> d, std::array<int64_t, 3> pb,
                    std::array<int64_t, 3> pe, int64_t groups) {
  VolumeWindow o;
  o.stride = s;
  o.dilation = d;
  o.pad_begin = pb;
  o.pad_end = pe;
  o.groups = groups;
  return o;
}

void expect_near(const Tensor& got, const Shape& shape, const std::vector<double>& want) {
  ASSERT_EQ(got.shape(), shape);
  const auto g = got.to_vector<double>();
  for (size_t i = 0; i < want.size(); ++i) ASSERT_NEAR(g[i], want[i], 1e-12) << "at " << i;
}

TEST(OnnxConvDepth, Conv3dMatchesTheLoops) {
  Generator gen(7);
  const Tensor x = Tensor::randn({2, 4, 7, 6, 5}, DType::Float64, &gen);
  const Tensor w = Tensor::randn({6, 2, 3, 2, 3}, DType::Float64, &gen);
  const Tensor bias = Tensor::randn({6}, DType::Float64, &gen);
  for (const VolumeWindow& o : {window({1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {0, 0, 0}, 1),
                                window({2, 1, 2}, {2, 1, 1}, {1, 0, 2}, {2, 1, 0}, 2),
                                window({3, 2, 1}, {1, 2, 2}, {0, 1, 1}, {1, 0, 1}, 1)}) {
    const Tensor wg = o.groups == 1 ? cat({w, w}, 1) : w;  // C/groups input channels
    Shape shape;
    auto want = conv3d_loops(x, wg, o, shape);
    const auto b = bias.to_vector<double>();
    const int64_t per = shape[2] * shape[3] * shape[4];
    for (size_t i = 0; i < want.size(); ++i) want[i] += b[(i / per) % shape[1]];
    expect_near(conv3d_by_depth(x, wg, bias, o), shape, want);
  }
}

TEST(OnnxConvDepth, ConvTranspose3dMatchesTheLoops) {
  Generator gen(8);
  const Tensor x = Tensor::randn({2, 4, 3, 4, 2}, DType::Float64, &gen);
  const Tensor w = Tensor::randn({4, 3, 2, 3, 2}, DType::Float64, &gen);
  for (const VolumeWindow& o : {window({1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {0, 0, 0}, 1),
                                window({2, 1, 3}, {2, 1, 1}, {0, 0, 0}, {0, 0, 0}, 2),
                                window({3, 2, 1}, {1, 2, 2}, {0, 0, 0}, {0, 0, 0}, 4)}) {
    Shape shape;
    const auto want = conv_transpose3d_loops(x, w, o, shape);
    expect_near(conv_transpose3d_full(x, w, o), shape, want);
  }
}

TEST(OnnxConvDepth, AKernelDeeperThanTheInputIsAClearError) {
  const Tensor x = Tensor::zeros({1, 1, 2, 4, 4});
  const Tensor w = Tensor::zeros({1, 1, 3, 1, 1});
  EXPECT_THROW(conv3d_by_depth(x, w, Tensor(), VolumeWindow{}), Error);
}

}  // namespace
}  // namespace nabla::onnx
