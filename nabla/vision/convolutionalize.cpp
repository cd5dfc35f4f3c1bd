#include "nabla/vision/convolutionalize.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "nabla/autograd/node.hpp"
#include "nabla/nn/activation.hpp"
#include "nabla/nn/conv.hpp"
#include "nabla/nn/dropout.hpp"
#include "nabla/nn/graph.hpp"
#include "nabla/nn/linear.hpp"
#include "nabla/nn/normalization.hpp"
#include "nabla/nn/pooling.hpp"
#include "nabla/vision/eval_mode.hpp"

namespace nabla::vision {

namespace {

using ModulePtr = std::shared_ptr<nn::Module>;
constexpr const char* kOp = "convolutionalize";
constexpr const char* kShape =
    "; a convolutionalizable classifier is image layers, then Flatten, then Linear layers with "
    "activations, Dropout or BatchNorm1d between";

template <class T>
bool is(const ModulePtr& m) {
  return dynamic_cast<const T*>(m.get()) != nullptr;
}

std::string describe(const std::string& name, const ModulePtr& m) {
  return "layer " + name + " (" + m->type_name() + ")";
}

// Where Flatten is; nabla::Error when there is none or it flattens anything but (C, H, W).
size_t find_flatten(const nn::Sequential& net) {
  const auto& kids = net.named_children();
  for (size_t i = 0; i < kids.size(); ++i) {
    const auto* f = dynamic_cast<const nn::Flatten*>(kids[i].second.get());
    if (f == nullptr) continue;
    NABLA_CHECK(
        f->start_dim() == 1 && f->end_dim() == -1, kOp, describe(kids[i].first, kids[i].second),
        " flattens dims ", f->start_dim(), "..", f->end_dim(),
        "; only Flatten(1, -1), which turns (N, C, H, W) into (N, C*H*W), is a convolution's "
        "input layout");
    return i;
  }
  NABLA_CHECK(false, kOp,
              "the model has no Flatten layer, so it has no dense head to turn into "
              "convolutions",
              kShape);
  return 0;
}

// The layers before Flatten must keep working on a larger image.
void check_body(const nn::Sequential& net, size_t flatten_at) {
  for (size_t i = 0; i < flatten_at; ++i) {
    const auto& [name, m] = net.named_children()[i];
    NABLA_CHECK(!is<nn::AdaptiveAvgPool2d>(m) && !is<nn::AdaptiveMaxPool2d>(m), kOp,
                describe(name, m),
                " pools to a fixed output size whatever the input, so the "
                "converted net could not slide over a larger image; use a MaxPool2d/AvgPool2d "
                "with a fixed kernel instead");
    NABLA_CHECK(!is<nn::Linear>(m) && !is<nn::Maxout>(m), kOp, describe(name, m),
                " comes before Flatten; a dense layer there acts on the image's last dimension "
                "and has no convolutional form",
                kShape);
  }
}

}  // namespace

Shape feature_shape_before_flatten(const nn::Sequential& classifier, const Shape& input_shape) {
  NABLA_CHECK(input_shape.size() == 3 && shape_numel(input_shape) > 0, kOp,
              "the classifier's input must be an image (C, H, W), got ", shape_str(input_shape),
              "; a model on flat vectors has no spatial layout to slide over");
  const size_t flatten_at = find_flatten(classifier);
  check_body(classifier, flatten_at);
  nn::Sequential body;
  for (size_t i = 0; i < flatten_at; ++i)
    body.push_back(classifier.named_children()[i].first, classifier.named_children()[i].second);
  if (body.empty()) return input_shape;
  Shape probe{1};
  probe.insert(probe.end(), input_shape.begin(), input_shape.end());
  autograd::NoGradGuard no_grad;
  EvalModeGuard eval(body);
  const Tensor features = body.forward(Tensor::zeros(probe));
  NABLA_CHECK(features.dim() == 4, kOp, "the layers before Flatten give ",
              shape_str(features.shape()), " for one ", shape_str(input_shape),
              " input; convolutionalize needs a (1, C, h, w) feature map");
  return {features.size(1), features.size(2), features.size(3)};
}

namespace {

// A dense layer taking (N, in_ch * k.h * k.w) flattened features as a Conv2d with a k kernel:
// row o of the weight, read as (in_ch, k.h, k.w), is exactly the o-th kernel (Flatten's order
// is channel, row, column), so the numbers are the same and only their shape changes.
std::shared_ptr<nn::Conv2d> dense_to_conv(const nn::Linear& lin, int64_t in_ch, Size2 k,
                                          const std::string& where) {
  NABLA_CHECK(lin.in_features() == in_ch * k.h * k.w, kOp, where, " takes ", lin.in_features(),
              " features but gets ", in_ch, "x", k.h, "x", k.w, " = ", in_ch * k.h * k.w,
              "; was the input size given the one the classifier was trained on?");
  nn::Conv2dOptions o;
  o.bias = lin.bias.defined();
  auto conv = std::make_shared<nn::Conv2d>(in_ch, lin.out_features(), k, o);
  autograd::NoGradGuard no_grad;
  conv->weight.copy_(lin.weight.reshape({lin.out_features(), in_ch, k.h, k.w}));
  if (o.bias) conv->bias.copy_(lin.bias);
  conv->train(lin.is_training());
  return conv;
}

// The head after Flatten, one layer at a time. Before the first dense layer the features are
// the (C, h, w) map; after it, `channels` per position.
class HeadBuilder {
 public:
  HeadBuilder(const Shape& features, nn::Sequential& out) : features_(features), out_(out) {}
  void add(const std::string& name, const ModulePtr& m);
  bool seen_dense() const { return seen_dense_; }

 private:
  ModulePtr convert_dense(const std::string& name, const ModulePtr& m);
  ModulePtr convert_other(const std::string& name, const ModulePtr& m);

  Shape features_;
  nn::Sequential& out_;
  bool seen_dense_ = false;
  int64_t channels_ = 0;
};

void HeadBuilder::add(const std::string& name, const ModulePtr& m) {
  const bool dense = is<nn::Linear>(m) || is<nn::Maxout>(m);
  out_.push_back(name, dense ? convert_dense(name, m) : convert_other(name, m));
}

ModulePtr HeadBuilder::convert_dense(const std::string& name, const ModulePtr& m) {
  // the first dense layer sees the whole feature map; later ones one position's vector
  const int64_t in_ch = seen_dense_ ? channels_ : features_[0];
  const Size2 k = seen_dense_ ? Size2(1) : Size2(features_[1], features_[2]);
  seen_dense_ = true;
  if (const auto* lin = dynamic_cast<const nn::Linear*>(m.get())) {
    channels_ = lin->out_features();
    return dense_to_conv(*lin, in_ch, k, describe(name, m));
  }
  // Maxout = Linear(in, out * pieces), then the max of each run of `pieces` outputs; over
  // channels that run is ChannelMaxout's. Children named as Maxout's ("linear.weight").
  const auto& mo = dynamic_cast<const nn::Maxout&>(*m);
  channels_ = mo.linear().out_features() / mo.pieces();
  auto seq = std::make_shared<nn::Sequential>();
  seq->push_back("linear", dense_to_conv(mo.linear(), in_ch, k, describe(name, m)));
  seq->push_back("max", nn::ChannelMaxout(mo.pieces()));
  seq->train(mo.is_training());
  return seq;
}

ModulePtr HeadBuilder::convert_other(const std::string& name, const ModulePtr& m) {
  // per-element layers act the same on (N, K) and (N, K, H, W): shared as they are
  if (is<nn::ReLU>(m) || is<nn::LeakyReLU>(m) || is<nn::Sigmoid>(m) || is<nn::Tanh>(m) ||
      is<nn::Dropout>(m))
    return m;
  const auto* sm = dynamic_cast<const nn::Softmax*>(m.get());
  const auto* lsm = dynamic_cast<const nn::LogSoftmax*>(m.get());
  const auto* bn = dynamic_cast<const nn::BatchNorm1d*>(m.get());
  if ((sm || lsm) && seen_dense_) {
    const int64_t dim = sm ? sm->dim() : lsm->dim();
    NABLA_CHECK(dim == 1 || dim == -1, kOp, describe(name, m), " normalises over dim ", dim,
                " of (N, K); only the class dim (1 or -1) has a per-position form");
    if (sm) return std::make_shared<nn::Softmax>(1);  // over the channels of (N, K, H, W)
    return std::make_shared<nn::LogSoftmax>(1);
  }
  if (bn && seen_dense_) {  // per-feature statistics become per-channel ones
    auto bn2 = std::make_shared<nn::BatchNorm2d>(bn->num_features(), bn->options());
    bn2->load_state_dict(bn->state_dict());
    bn2->train(bn->is_training());
    return bn2;
  }
  NABLA_CHECK(false, kOp, describe(name, m),
              seen_dense_ ? " comes after Flatten" : " sits between Flatten and the first Linear",
              "; there only Linear, Maxout, ReLU, LeakyReLU, Sigmoid, Tanh and Dropout (and, after "
              "a Linear, Softmax, LogSoftmax and BatchNorm1d) have a convolutional form",
              kShape);
  return m;
}

}  // namespace

nn::Sequential convolutionalize(const nn::Sequential& classifier, const Shape& input_shape) {
  const Shape features = feature_shape_before_flatten(classifier, input_shape);
  const size_t flatten_at = find_flatten(classifier);
  const auto& kids = classifier.named_children();
  nn::Sequential out;
  for (size_t i = 0; i < flatten_at; ++i) out.push_back(kids[i].first, kids[i].second);
  HeadBuilder head(features, out);
  for (size_t i = flatten_at + 1; i < kids.size(); ++i) head.add(kids[i].first, kids[i].second);
  NABLA_CHECK(head.seen_dense(), kOp,
              "nothing dense follows Flatten, so there is no head to "
              "convert",
              kShape);
  NABLA_ASSERT(out.num_parameters() == classifier.num_parameters());
  return out;
}

nn::Sequential convolutionalize_model(const nn::Module& classifier, const Shape& input_shape) {
  const auto* chain = dynamic_cast<const nn::Sequential*>(&classifier);
  const bool graph = dynamic_cast<const nn::Graph*>(&classifier) != nullptr;
  NABLA_CHECK(chain != nullptr, kOp, "the model is ",
              graph ? "a graph (named nodes with inputs)" : "a " + classifier.type_name(),
              ", not a layer list; convolutionalization takes conv/pool layers, then Flatten, "
              "then Linear layers, one after the other");
  return convolutionalize(*chain, input_shape);
}

double convolutionalized_difference(nn::Module& classifier, nn::Module& fcn, const Tensor& inputs) {
  NABLA_CHECK(inputs.defined() && inputs.dim() == 4 && inputs.size(0) > 0, kOp,
              "expects a batch of images (N, C, H, W), got ",
              inputs.defined() ? shape_str(inputs.shape()) : std::string("an undefined tensor"));
  autograd::NoGradGuard no_grad;
  EvalModeGuard dense_mode(classifier);
  EvalModeGuard conv_mode(fcn);  // after the classifier's: their shared layers end as they were
  const Tensor dense = classifier.forward(inputs).contiguous();
  const Tensor conv = fcn.forward(inputs).contiguous();
  NABLA_CHECK(dense.dim() == 2 && conv.dim() == 4 && conv.size(2) == 1 && conv.size(3) == 1 &&
                  conv.size(0) == dense.size(0) && conv.size(1) == dense.size(1),
              kOp, "the classifier gives ", shape_str(dense.shape()), " and the converted net ",
              shape_str(conv.shape()),
              "; on the training size they must be (N, K) and (N, K, 1, 1)");
  const std::vector<float> a = dense.to_vector<float>(), b = conv.to_vector<float>();
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::fabs(static_cast<double>(a[i]) - static_cast<double>(b[i])));
  return worst;
}

}  // namespace nabla::vision
