// The ONNX ops nabla runs: op_type -> a function from the node's context to its outputs, built
// from nabla's differentiable ops so autograd runs through an imported model. One file per
// family registers its ops (ops_conv.cpp: Conv, ConvTranspose, pools; ops_nn.cpp: norm,
// Gemm/MatMul, global pools; ops_math.cpp:
// elementwise and activations; ops_shape.cpp: reshapes, Concat, Constant; ops_reduce.cpp:
// reductions and softmax; ops_select.cpp: Slice, Split, Where, comparisons).
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "nabla/onnx/op_context.hpp"

namespace nabla::onnx {

using OpFn = std::function<std::vector<Tensor>(const OpContext&)>;
using OpTable = std::map<std::string, OpFn>;

const OpTable& op_table();  // the default domain ("" or "ai.onnx")
bool op_supported(const std::string& op_type);
std::string supported_ops_list();  // "Abs, Add, ..." for errors and help
// ops_training.cpp: Adagrad, Adam, Momentum of the domain ai.onnx.preview.training (opset 1)
inline const char* const kTrainingDomain = "ai.onnx.preview.training";
const OpTable& training_op_table();
// The table of a node's domain ("" and "ai.onnx": op_table()); nullptr for any other domain.
const OpTable* domain_op_table(const std::string& domain);

void add_conv_ops(OpTable& t);
void add_nn_ops(OpTable& t);
void add_math_ops(OpTable& t);
void add_shape_ops(OpTable& t);
void add_reduce_ops(OpTable& t);
void add_select_ops(OpTable& t);
// Gather/Scatter, Expand/Tile/Range/ConstantOfShape, TopK/Hardmax, Einsum, Resize/Upsample,
// MaxUnpool, LpPool, the two losses, PRelu/Selu/Softplus, InstanceNormalization/LRN, ReduceProd
void add_gather_ops(OpTable& t);
void add_expand_ops(OpTable& t);
void add_topk_ops(OpTable& t);
void add_einsum_ops(OpTable& t);
void add_resize_ops(OpTable& t);
void add_unpool_ops(OpTable& t);
void add_lp_pool_ops(OpTable& t);
void add_loss_ops(OpTable& t);
void add_activation_ops(OpTable& t);
void add_local_norm_ops(OpTable& t);
void add_prod_ops(OpTable& t);
void add_rnn_ops(OpTable& t);     // ops_rnn.cpp: LSTM, GRU, RNN
void add_detect_ops(OpTable& t);  // ops_detect.cpp: RoiAlign, NonMaxSuppression

}  // namespace nabla::onnx
