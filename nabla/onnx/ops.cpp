#include "nabla/onnx/ops.hpp"

namespace nabla::onnx {

const OpTable& op_table() {
  static const OpTable table = [] {
    OpTable t;
    add_conv_ops(t);
    add_nn_ops(t);
    add_math_ops(t);
    add_shape_ops(t);
    add_reduce_ops(t);
    add_select_ops(t);
    for (auto add : {add_gather_ops, add_expand_ops, add_topk_ops, add_einsum_ops, add_resize_ops,
                     add_unpool_ops, add_lp_pool_ops, add_loss_ops, add_activation_ops,
                     add_local_norm_ops, add_prod_ops})
      add(t);
    add_rnn_ops(t);
    add_detect_ops(t);
    return t;
  }();
  return table;
}

const OpTable* domain_op_table(const std::string& domain) {
  if (domain.empty() || domain == "ai.onnx") return &op_table();
  if (domain == kTrainingDomain) return &training_op_table();
  return nullptr;
}

bool op_supported(const std::string& op_type) { return op_table().count(op_type) != 0; }

std::string supported_ops_list() {
  std::string s;
  for (const auto& [name, fn] : op_table()) s += (s.empty() ? "" : ", ") + name;
  return s;
}

}  // namespace nabla::onnx
