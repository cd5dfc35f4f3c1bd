// The ONNX form of each exportable leaf module (see export.hpp for the list).
#include <cmath>

#include "nabla/nn/nn.hpp"
#include "nabla/onnx/export_builder.hpp"

namespace nabla::onnx::detail {
namespace {

using Node = ::onnx::NodeProto;

std::vector<int64_t> hw(Size2 s) { return {s.h, s.w}; }

// weight and (optional) bias as initializers named by their state-dict keys.
std::vector<std::string> params(GraphBuilder& b, const std::string& path, const std::string& x,
                                const Tensor& w, const Tensor& bias) {
  std::vector<std::string> ins{x, b.initializer(w, path + ".weight")};
  if (bias.defined()) ins.push_back(b.initializer(bias, path + ".bias"));
  return ins;
}

std::string conv(GraphBuilder& b, const nn::Conv2d& m, const std::string& path,
                 const std::string& x) {
  const auto& o = m.options();
  if (o.padding_mode != nn::PaddingMode::Zeros)
    throw Error("onnx export: Conv2d '" + path + "' pads with " +
                "a non-zero padding_mode; ONNX Conv pads with zeros only");
  const Conv2dPadding p = conv2d_explicit_padding(o.padding, m.kernel_size(), o.stride, o.dilation);
  Node& n = b.node("Conv", path, params(b, path, x, m.weight, m.bias));
  attr(n, "kernel_shape", hw(m.kernel_size()));
  attr(n, "strides", hw(o.stride));
  attr(n, "dilations", hw(o.dilation));
  attr(n, "pads", std::vector<int64_t>{p.top, p.left, p.bottom, p.right});
  attr(n, "group", o.groups);
  return b.out(n);
}

std::string conv_t(GraphBuilder& b, const nn::ConvTranspose2d& m, const std::string& path,
                   const std::string& x) {
  const auto& o = m.options();
  Node& n = b.node("ConvTranspose", path, params(b, path, x, m.weight, m.bias));
  attr(n, "kernel_shape", hw(m.kernel_size()));
  attr(n, "strides", hw(o.stride));
  attr(n, "dilations", hw(o.dilation));
  attr(n, "pads", std::vector<int64_t>{o.padding.h, o.padding.w, o.padding.h, o.padding.w});
  attr(n, "output_padding", hw(o.output_padding));
  attr(n, "group", o.groups);
  return b.out(n);
}

// Eval form: the running statistics; ones/zeros stand in for a missing affine part.
std::string batch_norm(GraphBuilder& b, const nn::BatchNorm& m, const std::string& path,
                       const std::string& x) {
  if (!m.running_mean.defined())
    throw Error("onnx export: BatchNorm '" + path +
                "' has no running statistics (track_running_stats = false); ONNX needs them");
  const Tensor& rm = m.running_mean;
  const Tensor w = m.weight.defined() ? m.weight.detach() : Tensor::ones(rm.shape(), rm.dtype());
  const Tensor bias = m.bias.defined() ? m.bias.detach() : Tensor::zeros(rm.shape(), rm.dtype());
  Node& n = b.node("BatchNormalization", path,
                   {x, b.initializer(w, path + ".weight"), b.initializer(bias, path + ".bias"),
                    b.initializer(rm, path + ".running_mean"),
                    b.initializer(m.running_var, path + ".running_var")});
  attr(n, "epsilon", static_cast<float>(m.options().eps));
  return b.out(n);
}

std::string max_pool(GraphBuilder& b, const nn::MaxPool2d& m, const std::string& path,
                     const std::string& x) {
  const auto& o = m.options();
  Node& n = b.node("MaxPool", path, {x});
  attr(n, "kernel_shape", hw(m.kernel_size()));
  attr(n, "strides", hw(o.stride.value_or(m.kernel_size())));
  attr(n, "dilations", hw(o.dilation));
  attr(n, "pads", std::vector<int64_t>{o.padding.h, o.padding.w, o.padding.h, o.padding.w});
  attr(n, "ceil_mode", int64_t{o.ceil_mode});
  return b.out(n);
}

std::string avg_pool(GraphBuilder& b, const nn::AvgPool2d& m, const std::string& path,
                     const std::string& x) {
  const auto& o = m.options();
  Node& n = b.node("AveragePool", path, {x});
  attr(n, "kernel_shape", hw(m.kernel_size()));
  attr(n, "strides", hw(o.stride.value_or(m.kernel_size())));
  attr(n, "pads", std::vector<int64_t>{o.padding.h, o.padding.w, o.padding.h, o.padding.w});
  attr(n, "ceil_mode", int64_t{o.ceil_mode});
  attr(n, "count_include_pad", int64_t{o.count_include_pad});
  return b.out(n);
}

// 0.5 x (1 + erf(x / sqrt 2)), or with approximate="tanh"
// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))): opset 17 has no Gelu op.
std::string gelu(GraphBuilder& b, const nn::GELU& m, const std::string& path,
                 const std::string& x) {
  const DType dt = b.dtype;
  auto c = [&](double v, const char* what) {
    return b.initializer(Tensor::scalar(v, dt), path + "." + what);
  };
  auto op = [&](const char* o, const std::string& l, const std::string& r) {
    return b.out(b.node(o, path, {l, r}));
  };
  std::string inner;
  if (m.approximate() == GeluApproximate::Tanh) {
    const std::string cube = op("Mul", op("Mul", x, x), x);
    const std::string arg = op("Mul", op("Add", x, op("Mul", cube, c(0.044715, "k_cubic"))),
                               c(std::sqrt(2.0 / M_PI), "k_scale"));
    inner = b.out(b.node("Tanh", path, {arg}));
  } else {
    inner = b.out(b.node("Erf", path, {op("Div", x, c(std::sqrt(2.0), "k_sqrt2"))}));
  }
  return op("Mul", op("Mul", x, c(0.5, "k_half")), op("Add", inner, c(1.0, "k_one")));
}

std::string simple(GraphBuilder& b, const char* op, const std::string& path, const std::string& x) {
  return b.out(b.node(op, path, {x}));
}

std::string with_axis(GraphBuilder& b, const char* op, int64_t axis, const std::string& path,
                      const std::string& x) {
  Node& n = b.node(op, path, {x});
  attr(n, "axis", axis);
  return b.out(n);
}

[[noreturn]] void cannot(const nn::Module& m, const std::string& path, const std::string& why) {
  throw Error("onnx export: " + m.type_name() + " '" + path + "' " + why);
}

}  // namespace

std::string export_layer(GraphBuilder& b, const nn::Module& m, const std::string& path,
                         const std::string& x) {
  if (auto* p = dynamic_cast<const nn::Conv2d*>(&m)) return conv(b, *p, path, x);
  if (auto* p = dynamic_cast<const nn::ConvTranspose2d*>(&m)) return conv_t(b, *p, path, x);
  if (auto* p = dynamic_cast<const nn::Linear*>(&m)) {
    Node& n = b.node("Gemm", path, params(b, path, x, p->weight, p->bias));
    attr(n, "transB", int64_t{1});
    return b.out(n);
  }
  if (auto* p = dynamic_cast<const nn::BatchNorm*>(&m)) return batch_norm(b, *p, path, x);
  if (auto* p = dynamic_cast<const nn::MaxPool2d*>(&m)) return max_pool(b, *p, path, x);
  if (auto* p = dynamic_cast<const nn::AvgPool2d*>(&m)) return avg_pool(b, *p, path, x);
  if (auto* p = dynamic_cast<const nn::AdaptiveAvgPool2d*>(&m)) {
    if (p->output_size() != Size2{1, 1})
      cannot(m, path, "has an output size other than 1; ONNX has only the global pool");
    return simple(b, "GlobalAveragePool", path, x);
  }
  if (auto* p = dynamic_cast<const nn::AdaptiveMaxPool2d*>(&m)) {
    if (p->output_size() != Size2{1, 1})
      cannot(m, path, "has an output size other than 1; ONNX has only the global pool");
    return simple(b, "GlobalMaxPool", path, x);
  }
  if (dynamic_cast<const nn::ReLU*>(&m)) return simple(b, "Relu", path, x);
  if (dynamic_cast<const nn::Sigmoid*>(&m)) return simple(b, "Sigmoid", path, x);
  if (dynamic_cast<const nn::Tanh*>(&m)) return simple(b, "Tanh", path, x);
  if (auto* p = dynamic_cast<const nn::LeakyReLU*>(&m)) {
    Node& n = b.node("LeakyRelu", path, {x});
    attr(n, "alpha", static_cast<float>(p->negative_slope()));
    return b.out(n);
  }
  if (auto* p = dynamic_cast<const nn::GELU*>(&m)) return gelu(b, *p, path, x);
  if (auto* p = dynamic_cast<const nn::Softmax*>(&m))
    return with_axis(b, "Softmax", p->dim(), path, x);
  if (auto* p = dynamic_cast<const nn::LogSoftmax*>(&m))
    return with_axis(b, "LogSoftmax", p->dim(), path, x);
  if (auto* p = dynamic_cast<const nn::Flatten*>(&m)) {
    if (p->start_dim() != 1 || p->end_dim() != -1)
      cannot(m, path, "flattens other dims than 1..-1; ONNX Flatten keeps dim 0 only");
    return with_axis(b, "Flatten", 1, path, x);
  }
  if (dynamic_cast<const nn::Dropout*>(&m) || dynamic_cast<const nn::Dropout2d*>(&m) ||
      dynamic_cast<const nn::Identity*>(&m))
    return simple(b, "Identity", path, x);
  cannot(m, path.empty() ? "(the model)" : path,
         "has no ONNX export; nabla exports Conv2d, ConvTranspose2d, Linear, BatchNorm1d/2d, "
         "MaxPool2d, AvgPool2d, Adaptive{Avg,Max}Pool2d(1), ReLU, LeakyReLU, Sigmoid, Tanh, GELU, "
         "Softmax, LogSoftmax, Flatten, Dropout and Identity inside Sequential or Graph");
}

}  // namespace nabla::onnx::detail
