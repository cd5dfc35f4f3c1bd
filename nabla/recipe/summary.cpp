#include "nabla/recipe/summary.hpp"

#include <algorithm>
#include <sstream>

#include "nabla/core/checked.hpp"
#include "nabla/nn/activation.hpp"
#include "nabla/nn/conv.hpp"
#include "nabla/nn/linear.hpp"

namespace nabla::recipe {

namespace {

int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n = checked_mul(n, d, "summary", "element count");
  return n;
}

// 2 * a * b * c ..., checked: the summary of an absurd model is an error, not a wrapped number
int64_t twice_product(std::initializer_list<int64_t> factors) {
  int64_t r = 2;
  for (int64_t f : factors) r = checked_mul(r, f, "summary", "FLOPs");
  return r;
}

int64_t weight_layer_flops(const nn::Module* m, const Shape& in, const Shape& out) {
  if (const auto* c = dynamic_cast<const nn::Conv2d*>(m)) {
    const Size2 k = c->kernel_size();
    return twice_product({numel(out), c->in_channels() / c->options().groups, k.h, k.w});
  }
  if (const auto* t = dynamic_cast<const nn::ConvTranspose2d*>(m)) {
    const Size2 k = t->kernel_size();
    return twice_product({numel(in), t->out_channels() / t->options().groups, k.h, k.w});
  }
  if (const auto* l = dynamic_cast<const nn::Linear*>(m))
    return twice_product({numel(in), l->out_features()});
  if (const auto* x = dynamic_cast<const nn::Maxout*>(m))
    return twice_product({numel(in), x->linear().out_features()});
  return 0;
}

std::string with_commas(int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

// Rows of cells as aligned columns; columns listed in `right` are right-aligned (numbers).
std::string table(const std::vector<std::vector<std::string>>& rows,
                  const std::vector<size_t>& right) {
  std::vector<size_t> width(rows.front().size(), 0);
  for (const auto& r : rows)
    for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  std::ostringstream os;
  for (const auto& r : rows) {
    std::string line;
    for (size_t c = 0; c < r.size(); ++c) {
      const std::string pad(width[c] - r[c].size(), ' ');
      const bool is_right = std::find(right.begin(), right.end(), c) != right.end();
      line += (c ? "  " : "") + (is_right ? pad + r[c] : r[c] + pad);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    os << line << "\n";
  }
  return os.str();
}

}  // namespace

int64_t layer_flops(const BuiltLayer& l) {
  if (l.type == "add")
    return checked_mul(static_cast<int64_t>(l.inputs.size()) - 1, numel(l.output_shape), "summary",
                       "FLOPs");
  if (l.module == nullptr || l.input_shapes.size() != 1) return 0;
  return weight_layer_flops(l.module.get(), l.input_shapes[0], l.output_shape);
}

ModelSummary summarize(const BuiltModel& m) {
  ModelSummary s;
  s.name = m.name;
  s.input_shape = m.input_shape;
  s.is_graph = m.is_graph;
  s.outputs = m.outputs;
  for (const auto& l : m.layers) {
    LayerSummary ls{l.name, l.type, l.inputs, l.output_shape, 0, layer_flops(l)};
    if (l.module) ls.params = l.module->num_parameters();
    s.flops = checked_add(s.flops, ls.flops, "summary", "FLOPs");
    s.layers.push_back(std::move(ls));
  }
  s.params = m.net->num_parameters();
  for (const auto& p : m.net->parameters())
    if (p.requires_grad()) s.trainable_params += p.numel();
  return s;
}

std::string format_summary(const ModelSummary& s) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({s.is_graph ? "node" : "layer", "type"});
  if (s.is_graph) rows.back().push_back("inputs");
  for (const char* h : {"output shape", "params", "FLOPs"}) rows.back().push_back(h);
  for (const auto& l : s.layers) {
    rows.push_back({l.name, l.type});
    if (s.is_graph) rows.back().push_back(joined(l.inputs));
    rows.back().push_back(shape_str(l.output_shape));
    rows.back().push_back(with_commas(l.params));
    rows.back().push_back(with_commas(l.flops));
  }
  const size_t params_col = s.is_graph ? 4 : 3;
  std::ostringstream os;
  os << "model " << (s.name.empty() ? "(unnamed)" : s.name) << ": input "
     << shape_str(s.input_shape) << " per sample\n"
     << table(rows, {params_col, params_col + 1});
  if (s.is_graph) os << "outputs: " << joined(s.outputs) << "\n";
  os << "total: " << with_commas(s.params) << " parameters (" << with_commas(s.trainable_params)
     << " trainable); " << with_commas(s.flops) << " FLOPs per sample\n";
  return os.str();
}

}  // namespace nabla::recipe
