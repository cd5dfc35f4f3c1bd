// The graph under construction during an export: unique value names, nodes with attributes,
// initializers. Internal to export*.cpp.
#pragma once
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "nabla/core/tensor.hpp"
#include "nabla/nn/module.hpp"
#include "nabla/onnx/proto.hpp"

namespace nabla::onnx::detail {

class GraphBuilder {
 public:
  explicit GraphBuilder(::onnx::GraphProto& g) : g_(g) {}

  // A node with a fresh output name derived from `name`; returns that name.
  ::onnx::NodeProto& node(const std::string& op, const std::string& name,
                          const std::vector<std::string>& inputs);
  std::string out(const ::onnx::NodeProto& n) const { return n.output(0); }
  std::string initializer(const Tensor& t, const std::string& name);
  std::string unique(const std::string& base);

  DType dtype = DType::Float32;  // the model's float type, for constants the export adds

 private:
  ::onnx::GraphProto& g_;
  std::set<std::string> taken_;
};

void attr(::onnx::NodeProto& n, const std::string& name, int64_t v);
void attr(::onnx::NodeProto& n, const std::string& name, float v);
void attr(::onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& v);

// One leaf module (not Sequential/Graph) applied to value `x`; returns the output value. An
// Error naming the module and `path` for modules that have no ONNX form.
std::string export_layer(GraphBuilder& b, const nn::Module& m, const std::string& path,
                         const std::string& x);

}  // namespace nabla::onnx::detail
