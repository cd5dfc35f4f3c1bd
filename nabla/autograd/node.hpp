// A graph node: made by an op's forward, it holds exactly what the backward needs (a
// closure, micrograd/Flashlight style) and the edges to the nodes of the op's inputs.
// Every op has one output, so a node maps one incoming gradient to one gradient per input.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nabla/core/tensor.hpp"

namespace nabla::autograd {

struct Node;

// Where an input's gradient goes: into another node, or into a leaf's .grad.
struct Edge {
  std::shared_ptr<Node> node;      // set when the input was made by an op
  std::weak_ptr<TensorImpl> leaf;  // set when the input is a leaf that requires grad
  bool active() const { return node != nullptr || !leaf.expired(); }
};

using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_output)>;

struct Node {
  std::string name;          // op name, for errors
  std::vector<Edge> inputs;  // one per differentiable input (inactive edges are skipped)
  BackwardFn backward;       // returns one gradient per input (undefined = zero)
  bool released = false;     // backward ran without retain_graph
  Shape output_shape;
  DType output_dtype = DType::Float32;
  std::weak_ptr<TensorImpl> retained;  // a non-leaf output that asked for retain_grad
};

// Grad mode: ops record nodes only when it is on and an input requires grad.
bool grad_enabled();
void set_grad_enabled(bool on);

class NoGradGuard {
 public:
  NoGradGuard() : prev_(grad_enabled()) { set_grad_enabled(false); }
  ~NoGradGuard() { set_grad_enabled(prev_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

// True when grad mode is on and any input requires grad.
bool any_requires_grad(std::initializer_list<const Tensor*> inputs);
bool any_requires_grad(const std::vector<Tensor>& inputs);

// Called by an op after computing `out` from `inputs`: if any input needs a gradient, makes a
// node with the given backward and attaches it to `out`. Returns `out`.
// The backward returns one tensor per input, in order (undefined tensor = no gradient).
Tensor record(const char* op, Tensor out, const std::vector<Tensor>& inputs, BackwardFn backward);

// Runs reverse-mode accumulation from `root` with seed gradient `grad`.
// Leaves accumulate into .grad as in PyTorch: a leaf without a gradient gets this one (a private
// buffer), a leaf that has one gets this one added IN PLACE. So, for Tensor's grad methods
// (declared in core/tensor.hpp):
//   zero_grad()   drops .grad (undefined, not zeros): PyTorch 2's set_to_none=True default.
//   set_grad(g)   does NOT copy: .grad becomes g itself, sharing its storage (like PyTorch's
//                 `p.grad = g`), so a later backward, an optimizer's in-place update or gradient
//                 clipping also changes g. Pass g.clone_data() to keep g. set_grad(Tensor())
//                 is zero_grad(). Only the shape is checked.
void run_backward(const Tensor& root, const Tensor& grad, bool retain_graph);

// Gradients of `output` w.r.t. `inputs` without touching .grad (used by gradcheck and tests).
std::vector<Tensor> grad(const Tensor& output, const std::vector<Tensor>& inputs,
                         const Tensor& grad_output = Tensor(), bool retain_graph = false);

}  // namespace nabla::autograd
