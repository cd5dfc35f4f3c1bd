// The backward engine: topological order over the nodes reachable from the root, one
// gradient buffer per node, leaves accumulate into .grad.
#include <unordered_map>
#include <unordered_set>

#include "nabla/autograd/node.hpp"

namespace nabla::autograd {

bool grad_enabled() { return detail::grad_mode_flag(); }
void set_grad_enabled(bool on) { detail::grad_mode_flag() = on; }

bool any_requires_grad(std::initializer_list<const Tensor*> inputs) {
  if (!grad_enabled()) return false;
  for (const Tensor* t : inputs)
    if (t && t->defined() && t->requires_grad()) return true;
  return false;
}

bool any_requires_grad(const std::vector<Tensor>& inputs) {
  if (!grad_enabled()) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

Tensor record(const char* op, Tensor out, const std::vector<Tensor>& inputs, BackwardFn backward) {
  if (!any_requires_grad(inputs)) return out;
  auto node = std::make_shared<Node>();
  node->name = op;
  node->inputs.reserve(inputs.size());
  for (const Tensor& in : inputs) {
    NABLA_ASSERT(!in.defined() || !out.same(in));
    Edge e;
    if (in.defined() && in.requires_grad()) {
      if (in.grad_fn())
        e.node = in.grad_fn();
      else
        e.leaf = in.impl_ptr();
    }
    node->inputs.push_back(std::move(e));
  }
  node->backward = std::move(backward);
  node->output_shape = out.shape();
  node->output_dtype = out.dtype();
  // The returned tensor is a fresh handle onto the same storage. Backward closures often
  // capture `out` (exp, sigmoid, softmax...); if that captured handle were the one owning the
  // node, node -> closure -> out -> node would be a cycle that leaks any graph dropped
  // without backward (e.g. a validation loss computed with grad mode on).
  auto result = std::make_shared<TensorImpl>();
  result->storage = out.impl()->storage;
  result->offset = out.impl()->offset;
  result->shape = out.impl()->shape;
  result->strides = out.impl()->strides;
  result->dtype = out.impl()->dtype;
  result->requires_grad = true;
  node->retained = result;
  result->grad_fn = std::move(node);
  return Tensor(std::move(result));
}

namespace {

// True when nothing but `g` can see its buffer: one handle on one impl on one storage, a
// whole contiguous buffer, no graph. Such a gradient can become a leaf's .grad as it is.
bool is_private(const Tensor& g) {
  return g.impl_ptr().use_count() == 1 && g.storage().use_count() == 1 && g.offset() == 0 &&
         g.is_contiguous() && !g.requires_grad() && !g.grad_fn() && !g.impl()->grad;
}

// existing + g. A sum buffer that only the caller's map holds is added to in place; any other
// buffer may be seen elsewhere (a backward can hand the same gradient to two inputs), so it is
// copied first.
Tensor accumulate(const Tensor& existing, const Tensor& g) {
  if (!existing.defined()) return g;
  if (is_private(existing)) {
    Tensor acc = existing;
    acc.add_(g);
    return acc;
  }
  Tensor acc = existing.clone_data();
  acc.add_(g);
  return acc;
}

void check_grad(const Node& node, size_t i, const Tensor& g, const Shape& want, DType dtype) {
  NABLA_CHECK(g.shape() == want, "backward", "internal error: node '", node.name,
              "' returned a gradient of shape ", shape_str(g.shape()), " for input ", i,
              " of shape ", shape_str(want));
  NABLA_CHECK(g.dtype() == dtype, "backward", "internal error: node '", node.name, "' returned a ",
              dtype_name(g.dtype()), " gradient for a ", dtype_name(dtype), " input ", i);
}

// Nodes reachable from root in an order where every node comes before its inputs' nodes.
std::vector<Node*> topo_order(Node* root) {
  std::vector<Node*> post;
  std::unordered_set<Node*> seen;
  std::vector<std::pair<Node*, size_t>> stack{{root, 0}};
  seen.insert(root);
  while (!stack.empty()) {
    auto& [n, i] = stack.back();
    if (i < n->inputs.size()) {
      Node* child = n->inputs[i++].node.get();
      if (child && seen.insert(child).second) stack.push_back({child, 0});
    } else {
      post.push_back(n);
      stack.pop_back();
    }
  }
  return {post.rbegin(), post.rend()};
}

void accumulate_leaf(TensorImpl* leaf, Tensor g) {
  NABLA_CHECK(g.shape() == leaf->shape, "backward", "gradient shape ", shape_str(g.shape()),
              " does not match leaf shape ", shape_str(leaf->shape));
  if (!leaf->grad) {
    // A private copy: the incoming buffer may be shared with other nodes' gradients, and
    // optimizers / clipping later modify .grad in place. A buffer nobody else holds (a GEMM
    // or conv result made for this leaf alone) is adopted without the copy.
    if (is_private(g)) {
      leaf->grad = g.impl_ptr();
    } else {
      leaf->grad = g.clone_data().impl_ptr();
    }
  } else {
    Tensor(leaf->grad).add_(g);
  }
}

// When only_inputs is set, gradients for those leaves/nodes are collected there instead of .grad.
void run(const Tensor& root, const Tensor& grad_in, bool retain_graph,
         std::unordered_map<const TensorImpl*, Tensor>* capture) {
  NABLA_CHECK(root.defined(), "backward", "called on an undefined tensor");
  NABLA_CHECK(root.requires_grad(), "backward",
              "the tensor does not require grad and has no grad_fn (did you compute it under "
              "no_grad, or from inputs without requires_grad?)");
  Tensor grad = grad_in;
  if (!grad.defined()) {
    NABLA_CHECK(root.numel() == 1, "backward",
                "grad can be implicitly created only for scalar outputs; got shape ",
                shape_str(root.shape()), ", pass an explicit gradient of that shape");
    grad = Tensor::ones(root.shape(), root.dtype());
  }
  NABLA_CHECK(grad.shape() == root.shape(), "backward", "gradient shape ", shape_str(grad.shape()),
              " does not match output shape ", shape_str(root.shape()));
  if (grad.dtype() != root.dtype()) grad = Tensor::empty(grad.shape(), root.dtype()).copy_(grad);

  NoGradGuard no_grad;
  if (root.is_leaf()) {
    if (capture) {
      auto it = capture->find(root.impl());
      if (it != capture->end()) it->second = accumulate(it->second, grad);
    } else {
      accumulate_leaf(root.impl(), grad);
    }
    return;
  }

  std::vector<Node*> order = topo_order(root.grad_fn().get());
  std::unordered_map<Node*, Tensor> grads;
  grads[root.grad_fn().get()] = grad;
  for (Node* node : order) {
    auto it = grads.find(node);
    if (it == grads.end()) continue;  // no gradient reached this node
    Tensor g = std::move(it->second);
    grads.erase(it);
    if (auto out = node->retained.lock()) {
      if (out->retains_grad && !capture) {
        out->grad = accumulate(out->grad ? Tensor(out->grad) : Tensor(), g).clone_data().impl_ptr();
      }
      if (capture) {
        auto c = capture->find(out.get());
        if (c != capture->end()) c->second = accumulate(c->second, g);
      }
    }
    NABLA_CHECK(!node->released, "backward",
                "trying to backward through the graph a second time (node '", node->name,
                "'): its saved tensors were freed by the first backward; pass retain_graph=true "
                "to the first call");
    std::vector<Tensor> in_grads = node->backward(g);
    NABLA_CHECK(in_grads.size() == node->inputs.size(), "backward", "internal error: node '",
                node->name, "' returned ", in_grads.size(), " gradients for ", node->inputs.size(),
                " inputs");
    for (size_t i = 0; i < node->inputs.size(); ++i) {
      const Edge& e = node->inputs[i];
      Tensor& gi = in_grads[i];
      if (!gi.defined()) continue;
      if (e.node) {
        check_grad(*node, i, gi, e.node->output_shape, e.node->output_dtype);
        grads[e.node.get()] = accumulate(grads[e.node.get()], gi);
      } else if (auto leaf = e.leaf.lock()) {
        check_grad(*node, i, gi, leaf->shape, leaf->dtype);
        if (capture) {
          auto c = capture->find(leaf.get());
          if (c != capture->end()) c->second = accumulate(c->second, gi);
        } else {
          accumulate_leaf(leaf.get(), std::move(gi));
        }
      }
    }
    if (!retain_graph) {
      node->backward = nullptr;  // frees the saved tensors
      node->released = true;
    }
  }
}

}  // namespace

void run_backward(const Tensor& root, const Tensor& grad, bool retain_graph) {
  run(root, grad, retain_graph, nullptr);
}

std::vector<Tensor> grad(const Tensor& output, const std::vector<Tensor>& inputs,
                         const Tensor& grad_output, bool retain_graph) {
  std::unordered_map<const TensorImpl*, Tensor> capture;
  for (const Tensor& in : inputs) {
    NABLA_CHECK(in.defined() && in.requires_grad(), "autograd::grad",
                "every input must be a tensor that requires grad");
    capture[in.impl()] = Tensor();
  }
  run(output, grad_output, retain_graph, &capture);
  std::vector<Tensor> out;
  for (const Tensor& in : inputs) {
    Tensor g = capture[in.impl()];
    out.push_back(g.defined() ? g : Tensor::zeros(in.shape(), in.dtype()));
  }
  return out;
}

}  // namespace nabla::autograd

namespace nabla {
void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
  autograd::run_backward(*this, gradient, retain_graph);
}
}  // namespace nabla
