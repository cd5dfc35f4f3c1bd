#include "nabla/recipe/model_config.hpp"

#include <algorithm>

#include "nabla/nn/container.hpp"
#include "nabla/nn/graph.hpp"
#include "nabla/recipe/imported_model.hpp"
#include "nabla/recipe/inits.hpp"
#include "nabla/recipe/layer_probe.hpp"
#include "nabla/recipe/models.hpp"

namespace nabla::recipe {

namespace {

bool is_merge(const std::string& type) { return type == "add" || type == "concat"; }

// A list that names, wires or merges anything is a graph; anything else stays a Sequential, so
// its state-dict keys ("0.weight") and PyTorch parity are those of every earlier version.
bool wires_by_name(const io::Config& table, const std::vector<io::Config>& entries) {
  if (table.has("outputs")) return true;
  return std::any_of(entries.begin(), entries.end(), [](const io::Config& e) {
    return e.has("name") || e.has("input") || e.has("inputs") || is_merge(e.get_string("type", ""));
  });
}

// The entry's inputs: `inputs`, `input`, or the entry before it (the first reads "input").
std::vector<std::string> entry_inputs(const io::Config& e, const std::string& type,
                                      const std::string& previous, const std::string& where) {
  NABLA_CHECK(!(e.has("input") && e.has("inputs")), "model", where,
              ": give `input` or `inputs`, not both");
  if (is_merge(type)) {
    NABLA_CHECK(e.has("inputs"), "model", where, ": ", type,
                " needs `inputs = [\"a\", \"b\"]` (two or more entry names)");
    const auto in = e.get_string_list("inputs");
    NABLA_CHECK(in.size() >= 2, "model", where, ": ", type, " needs two or more `inputs`, got ",
                in.size());
    return in;
  }
  if (e.has("inputs")) {
    const auto in = e.get_string_list("inputs");
    NABLA_CHECK(in.size() == 1, "model", where, ": a ", type,
                " layer takes one input; merge several first with { type = \"add\" } or "
                "{ type = \"concat\" }");
    return in;
  }
  return {e.get_string("input", previous)};
}

// Names a graph entry may not take: taken ones, the model input's, and dotted ones (a dot would
// split its state-dict keys).
void check_node_name(const std::string& name, const std::vector<BuiltLayer>& earlier,
                     const std::string& where) {
  NABLA_CHECK(!name.empty() && name.find('.') == std::string::npos, "model", where,
              ": a name must be non-empty and contain no '.' (it prefixes the state-dict keys)");
  NABLA_CHECK(name != nn::Graph::kInput, "model", where,
              ": \"input\" names the model's input; pick another name");
  for (size_t i = 0; i < earlier.size(); ++i)
    NABLA_CHECK(earlier[i].name != name, "model", where, ": the name \"", name,
                "\" is already taken by entry ", i, " (", earlier[i].type,
                "); give each entry its own name");
}

// Per-sample shapes of the named inputs, or an error listing the names there are.
std::vector<Shape> input_shapes(const std::vector<std::string>& names, const BuiltModel& m,
                                const std::string& where) {
  std::vector<Shape> shapes;
  for (const auto& n : names) {
    if (n == nn::Graph::kInput) {
      shapes.push_back(m.input_shape);
      continue;
    }
    auto it = std::find_if(m.layers.begin(), m.layers.end(),
                           [&](const BuiltLayer& l) { return l.name == n; });
    if (it == m.layers.end()) {
      std::string known = nn::Graph::kInput;
      for (const auto& l : m.layers) known += ", " + l.name;
      NABLA_CHECK(false, "model", where, ": unknown input \"", n,
                  "\"; an input names an earlier entry or \"input\" (so far: ", known, ")");
    }
    shapes.push_back(it->output_shape);
  }
  return shapes;
}

BuiltLayer build_entry(const io::Config& e, size_t index, bool graph, const BuiltModel& m,
                       int64_t num_classes) {
  BuiltLayer l;
  l.type = e.get_string("type");
  const std::string position = std::to_string(index);
  l.name = graph ? e.get_string("name", position) : position;
  const std::string where = graph && l.name != position ? "node \"" + l.name + "\" (" + l.type + ")"
                                                        : "layer " + position + " (" + l.type + ")";
  if (graph) check_node_name(l.name, m.layers, where);
  const std::string previous = m.layers.empty() ? nn::Graph::kInput : m.layers.back().name;
  l.inputs = graph ? entry_inputs(e, l.type, previous, where) : std::vector<std::string>{previous};
  l.input_shapes = input_shapes(l.inputs, m, where);
  if (is_merge(l.type)) {
    l.output_shape = probe_merge(l.type, l.inputs, l.input_shapes, where);
    return l;
  }
  NABLA_CHECK(layer_types().contains(l.type), "model", where, ": unknown layer type \"", l.type,
              "\" (expected one of: ", layer_types().names_joined(), "; or add, concat)");
  LayerSpec spec{e, l.input_shapes, num_classes, where};
  l.module = build_and_probe(layer_types().builder(l.type), spec, l.output_shape);
  return l;
}

std::vector<std::string> output_names(const io::Config& table, const BuiltModel& m) {
  if (!table.has("outputs")) return {m.layers.back().name};
  const auto names = table.get_string_list("outputs");
  NABLA_CHECK(!names.empty(), "model.outputs", "name at least one entry");
  for (const auto& n : names) {
    const bool known = std::any_of(m.layers.begin(), m.layers.end(),
                                   [&](const BuiltLayer& l) { return l.name == n; });
    NABLA_CHECK(known, "model.outputs", "unknown entry \"", n, "\"; name an entry of `layers`");
  }
  return names;
}

// The (first) output must be one score per class (or, for PixelScores, one score map per class
// at the input's size); the error names the usual last layer.
void check_classes(const BuiltModel& m, int64_t num_classes, ModelHead head) {
  const std::string& out = m.outputs.front();
  auto it = std::find_if(m.layers.begin(), m.layers.end(),
                         [&](const BuiltLayer& l) { return l.name == out; });
  const Shape& s = it->output_shape;
  if (head == ModelHead::PixelScores) {
    const Shape& in = m.input_shape;
    const Shape want{num_classes, in.size() == 3 ? in[1] : 0, in.size() == 3 ? in[2] : 0};
    NABLA_CHECK(s == want, "model",
                m.is_graph ? "the output \"" + out + "\" gives " : "the last layer gives ",
                shape_str(s),
                " per sample but segmentation needs one score map per class at the "
                "input's size, ",
                shape_str(want), "; end with { type = \"conv2d\", out = ", num_classes,
                ", kernel = 1 } after upsampling back to ", want[1], "x", want[2]);
    return;
  }
  NABLA_CHECK(s.size() == 1 && s[0] == num_classes, "model",
              m.is_graph ? "the output \"" + out + "\" gives " : "the last layer gives ",
              shape_str(s), " per sample but the data has ", num_classes,
              " classes; end with { type = \"linear\", out = ", num_classes, " }");
}

std::shared_ptr<nn::Module> assemble(const BuiltModel& m) {
  if (!m.is_graph) {
    auto seq = std::make_shared<nn::Sequential>();
    for (const auto& l : m.layers) seq->push_back(l.module);
    return seq;
  }
  auto g = std::make_shared<nn::Graph>();
  for (const auto& l : m.layers) {
    if (l.type == "add")
      g->add_sum(l.name, l.inputs);
    else if (l.type == "concat")
      g->add_concat(l.name, l.inputs);
    else
      g->add_layer(l.name, l.inputs.front(), l.module);
  }
  g->set_outputs(m.outputs);
  return g;
}

}  // namespace

BuiltModel build_model(const io::Config& model, const Shape& input_shape, int64_t num_classes,
                       ModelHead head) {
  NABLA_CHECK(input_shape.size() == 3 || input_shape.size() == 1, "model",
              "input shape must be (C, H, W) or (F), got ", shape_str(input_shape));
  if (is_imported_model(model)) return build_imported_model(model, input_shape, num_classes, head);
  BuiltModel m;
  m.name = model.get_string("name", "");
  m.input_shape = input_shape;
  // a named model's table is parsed from its TOML; `table` keeps that document alive
  io::Config table = model;
  if (!model.has("layers")) {
    NABLA_CHECK(!m.name.empty(), "model", "the [model] table needs a `name` (",
                models().names_joined(), ") or a `layers` list");
    NABLA_CHECK(models().contains(m.name), "model.name", "unknown model \"", m.name,
                "\" (expected one of: ", models().names_joined(), "; or give a `layers` list)");
    table = io::parse_config(models().builder(m.name), "model '" + m.name + "'");
  }
  const std::vector<io::Config> entries = table.get_table_list("layers");
  NABLA_CHECK(!entries.empty(), "model", "the model has no layers");
  m.is_graph = wires_by_name(table, entries);
  for (size_t i = 0; i < entries.size(); ++i)
    m.layers.push_back(build_entry(entries[i], i, m.is_graph, m, num_classes));
  m.outputs = output_names(table, m);
  check_classes(m, num_classes, head);
  m.net = assemble(m);
  const std::string init = model.get_string("init", "default");
  if (init != "default") init_model(*m.net, init);
  return m;
}

std::shared_ptr<nn::Module> model_from_config(const io::Config& model, const Shape& input_shape,
                                              int64_t num_classes) {
  return build_model(model, input_shape, num_classes).net;
}

}  // namespace nabla::recipe
