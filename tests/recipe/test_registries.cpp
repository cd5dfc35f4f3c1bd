// The recipe registries (optimizers, losses, init schemes, datasets): dispatch, the help lines
// against the code, user registration from C++, error messages, and the listing for `nabla list`.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "nabla/io/config.hpp"
#include "nabla/nn/init.hpp"
#include "nabla/nn/loss.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduce.hpp"
#include "nabla/optim/optim.hpp"
#include "nabla/recipe/describe.hpp"
#include "nabla/recipe/experiment.hpp"
#include "nabla/recipe/inits.hpp"
#include "nabla/train/evaluate.hpp"
#include "tests/support/trainer_fixtures.hpp"

namespace nabla::test {
namespace {

io::Config parse(const std::string& s) { return io::parse_config(s, "test.toml"); }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// "... (keys: a = 1; b = [0.9, 0.999])" -> "a = 1\nb = [0.9, 0.999]\n"; "" without a keys part.
std::string help_keys_as_toml(const std::string& help) {
  const auto at = help.rfind("(keys: ");
  if (at == std::string::npos) return "";
  EXPECT_EQ(help.back(), ')') << help;
  std::string body = help.substr(at + 7, help.size() - at - 8), toml;
  for (size_t start = 0;;) {
    const auto end = body.find("; ", start);
    toml += body.substr(start, end == std::string::npos ? end : end - start) + "\n";
    if (end == std::string::npos) return toml;
    start = end + 2;
  }
}

Tensor leaf(const Shape& shape) {
  Tensor t = Tensor::zeros(shape);
  t.set_requires_grad(true);
  return t;
}

// ---- optimizers ----

TEST(OptimizerRegistry, EachNameBuildsItsOptimizer) {
  const std::map<std::string, std::string> kind = {
      {"sgd", "SGD"},         {"adam", "Adam"},         {"adamw", "AdamW"},
      {"adagrad", "Adagrad"}, {"adadelta", "Adadelta"}, {"rmsprop", "RMSprop"}};
  for (const auto& [name, cls] : kind) {
    auto opt =
        recipe::optimizer_from_config(parse("name = \"" + name + "\"\nlr = 0.25"), {leaf({3})});
    EXPECT_EQ(opt->name(), cls) << name;
    EXPECT_DOUBLE_EQ(opt->lr(), 0.25) << name;
  }
  EXPECT_EQ(recipe::optimizer_from_config(parse(""), {leaf({3})})->name(), "Adam");  // default
}

// The help line's "(keys: ...)" is the documentation of every key: each must be read by the
// builder (check_unused) and its value must be the builder's default (same options as empty).
TEST(OptimizerRegistry, HelpListsTheKeysWithTheirDefaults) {
  for (const auto& e : recipe::optimizers().entries()) {
    if (e.name.rfind("user_", 0) == 0) continue;  // registered by the tests below
    SCOPED_TRACE(e.name);
    const std::string keys = help_keys_as_toml(e.help);
    ASSERT_FALSE(keys.empty()) << "the help of a built-in optimizer lists its keys: " << e.help;
    io::Config with = parse(keys);
    auto documented = e.build(with, {leaf({2})});
    EXPECT_NO_THROW(with.check_unused());
    auto defaults = e.build(parse(""), {leaf({2})});
    EXPECT_EQ(documented->group_options(0), defaults->group_options(0));
  }
}

TEST(OptimizerRegistry, UnknownNameNamesTheKeyAndListsTheOptimizers) {
  const std::string m =
      error_of([] { recipe::optimizer_from_config(parse("name = \"lbfgs\""), {leaf({3})}); });
  EXPECT_NE(m.find("optimizer.name: unknown optimizer \"lbfgs\""), std::string::npos) << m;
  for (const auto& name : recipe::optimizers().names())
    EXPECT_NE(m.find(name), std::string::npos) << name << " missing from: " << m;
}

const char* kExperiment = R"(
seed = 1
[data]
dataset = "synthetic"
train_size = 32
test_size = 16
[model]
name = "mlp"
)";

// A user's optimizer and loss, registered from C++ and chosen by name in a config: their own
// keys are read (so check_unused accepts them) and the experiment holds what they built.
TEST(OptimizerRegistry, UserRegisteredOptimizerAndLossBuildFromAConfig) {
  if (!recipe::optimizers().contains("user_sgd_half")) {
    recipe::optimizers().add(
        "user_sgd_half",
        [](const io::Config& o, const std::vector<Tensor>& p) -> std::unique_ptr<optim::Optimizer> {
          return std::make_unique<optim::SGD>(
              p, optim::SgdOptions{.lr = o.get_double("base", 1.0) / 2});
        },
        "SGD at half the `base` rate (keys: base = 1)");
    recipe::losses().add(
        "user_scaled_ce",
        [](const io::Config& l) -> train::LossFn {
          const double scale = l.get_double("scale", 1.0);
          return [scale](const Tensor& out, const Tensor& t) {
            return mul(cross_entropy(out, t), scale);
          };
        },
        "cross_entropy times `scale`");
  }
  const std::string cfg = std::string(kExperiment) +
                          "[optimizer]\nname = \"user_sgd_half\"\nbase = 0.5\n"
                          "[loss]\nname = \"user_scaled_ce\"\nscale = 3.0\n";
  recipe::Experiment e = recipe::make_experiment(parse(cfg));  // check_unused passes
  EXPECT_EQ(e.opt->name(), "SGD");
  EXPECT_DOUBLE_EQ(e.opt->lr(), 0.25);
  const Tensor out = Tensor::randn({4, 4});
  const Tensor t = Tensor::from_vector(std::vector<int64_t>{0, 1, 2, 3}, {4});
  EXPECT_NEAR(e.loss(out, t).item(), 3 * cross_entropy(out, t).item(), 1e-5);
  EXPECT_NE(recipe::describe_registry(recipe::optimizers()).find("user_sgd_half"),
            std::string::npos);
}

// ---- losses ----

Tensor class_targets(const std::vector<int64_t>& t) {
  return Tensor::from_vector(t, {static_cast<int64_t>(t.size())});
}

Tensor one_hot(const std::vector<int64_t>& t, int64_t c) {
  std::vector<double> v(t.size() * c, 0.0);
  for (size_t i = 0; i < t.size(); ++i) v[i * c + t[i]] = 1;
  return Tensor::from_vector(v, {static_cast<int64_t>(t.size()), c});
}

TEST(LossRegistry, EachLossMatchesItsNnObject) {
  manual_seed(3);
  const Tensor x = Tensor::randn({5, 3}, DType::Float64) * 2.0;
  const std::vector<int64_t> tv{0, 2, 1, 1, 0};
  const Tensor t = class_targets(tv), hot = one_hot(tv, 3);
  auto loss = [&](const std::string& cfg) { return recipe::loss_from_config(parse(cfg))(x, t); };
  const double ce = nn::CrossEntropyLoss()(x, t).item();
  EXPECT_DOUBLE_EQ(loss("").item(), ce);  // cross_entropy is the default
  EXPECT_DOUBLE_EQ(loss("name = \"cross_entropy\"\nlabel_smoothing = 0.2").item(),
                   nn::CrossEntropyLoss({.label_smoothing = 0.2})(x, t).item());
  EXPECT_DOUBLE_EQ(loss("name = \"nll\"").item(), nn::NLLLoss()(log_softmax(x, 1), t).item());
  EXPECT_NEAR(loss("name = \"nll\"").item(), ce, 1e-12);  // the MLE view of the same loss
  EXPECT_DOUBLE_EQ(loss("name = \"bce_with_logits\"").item(),
                   nn::BCEWithLogitsLoss()(x, hot).item());
  EXPECT_DOUBLE_EQ(loss("name = \"mse\"").item(), nn::MSELoss()(softmax(x, 1), hot).item());
}

// Every loss in the table trains a linear classifier of 4 synthetic classes from chance to
// (nearly) every training sample right, and lowers its own value on the way.
TEST(LossRegistry, EachLossTrainsATinyClassifier) {
  const data::Batch d = tiny_images(64, 5, 0.3).all();
  for (const auto& e : recipe::losses().entries()) {
    if (e.name.rfind("user_", 0) == 0) continue;
    SCOPED_TRACE(e.name);
    manual_seed(7);
    nn::Sequential net{nn::Flatten(), nn::Linear(64, 4)};
    optim::Adam opt(net.parameters(), {.lr = 0.05});
    const train::LossFn loss = e.build(parse(""));
    const double first = loss(net.forward(d.inputs), d.targets).item();
    const int64_t correct_before = train::count_correct(net.forward(d.inputs), d.targets);
    for (int step = 0; step < 100; ++step) {
      opt.zero_grad();
      loss(net.forward(d.inputs), d.targets).backward();
      opt.step();
    }
    const Tensor out = net.forward(d.inputs);
    EXPECT_LT(loss(out, d.targets).item(), first);
    EXPECT_LT(correct_before, 40);
    EXPECT_GE(train::count_correct(out, d.targets), 62);
  }
}

TEST(LossRegistry, OneHotLossesRejectTargetsOutsideTheClasses) {
  const Tensor x = Tensor::zeros({2, 4});
  for (const char* name : {"bce_with_logits", "mse"}) {
    const auto loss = recipe::loss_from_config(parse(std::string("name = \"") + name + "\""));
    const std::string m = error_of([&] { loss(x, class_targets({1, 4})); });
    EXPECT_NE(m.find("target 4 of sample 1 is not a class index in [0, 4)"), std::string::npos)
        << m;
  }
  const std::string m = error_of([] { recipe::loss_from_config(parse("name = \"hinge\"")); });
  EXPECT_NE(m.find("loss.name: unknown loss \"hinge\" (expected one of: cross_entropy"),
            std::string::npos)
      << m;
}

TEST(LossRegistry, HelpListsTheKeysWithTheirDefaults) {
  manual_seed(4);
  const Tensor x = Tensor::randn({6, 3});
  const Tensor t = class_targets({0, 1, 2, 2, 1, 0});
  for (const auto& e : recipe::losses().entries()) {
    if (e.name.rfind("user_", 0) == 0) continue;
    SCOPED_TRACE(e.name);
    io::Config with = parse(help_keys_as_toml(e.help));
    const double documented = e.build(with)(x, t).item();
    EXPECT_NO_THROW(with.check_unused());
    EXPECT_EQ(documented, e.build(parse(""))(x, t).item());
  }
}

// ---- init schemes ----

std::shared_ptr<nn::Sequential> small_net() {
  auto net = std::make_shared<nn::Sequential>();
  net->push_back(nn::Conv2d(1, 3, 3));
  net->push_back(nn::BatchNorm2d(3));
  net->push_back(nn::Flatten());
  net->push_back(nn::Linear(12, 5));
  net->push_back(nn::Linear(5, 2, {.bias = false}));
  return net;
}

// The draws of the if-chain the table replaced, written out: same calls in the same order.
void init_as_before(nn::Module& net, const std::string& scheme) {
  using nn::init::FanMode;
  using nn::init::Nonlinearity;
  for (auto& [name, p] : net.named_parameters()) {
    const bool is_bias = name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0;
    if (p.dim() < 2) {
      if (is_bias) nn::init::zeros_(p);
      continue;
    }
    if (scheme == "xavier_uniform") nn::init::xavier_uniform_(p);
    if (scheme == "xavier_normal") nn::init::xavier_normal_(p);
    if (scheme == "he_uniform")
      nn::init::kaiming_uniform_(p, 0, FanMode::FanIn, Nonlinearity::ReLU);
    if (scheme == "he_normal") nn::init::kaiming_normal_(p, 0, FanMode::FanIn, Nonlinearity::ReLU);
    if (scheme == "zeros") nn::init::zeros_(p);
  }
}

TEST(InitRegistry, WeightsAreBitIdenticalToTheDirectInitCalls) {
  for (const std::string scheme :
       {"xavier_uniform", "xavier_normal", "he_uniform", "he_normal", "zeros"}) {
    SCOPED_TRACE(scheme);
    manual_seed(11);
    auto ours = small_net();
    recipe::init_model(*ours, scheme);
    manual_seed(11);
    auto before = small_net();
    init_as_before(*before, scheme);
    const auto a = ours->named_parameters(), b = before->named_parameters();
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i)
      EXPECT_EQ(a[i].second.to_vector<float>(), b[i].second.to_vector<float>()) << a[i].first;
  }
  // "default" keeps what the layers drew
  manual_seed(11);
  auto kept = small_net();
  const auto w = kept->parameters()[0].to_vector<float>();
  recipe::init_model(*kept, "default");
  EXPECT_EQ(kept->parameters()[0].to_vector<float>(), w);
}

TEST(InitRegistry, UnknownSchemeNamesTheKeyAndListsTheSchemes) {
  auto net = small_net();
  const std::string m = error_of([&] { recipe::init_model(*net, "orthogonal"); });
  EXPECT_NE(m.find("model.init: unknown init scheme \"orthogonal\" (expected one of: default, "
                   "xavier_uniform, xavier_normal, he_uniform, he_normal, zeros)"),
            std::string::npos)
      << m;
}

// ---- datasets ----

TEST(DatasetRegistry, UserDatasetGoesThroughHoldoutAndSubsets) {
  if (!recipe::datasets().contains("user_tiny")) {
    recipe::datasets().add(
        "user_tiny",
        [](const io::Config& d, uint64_t seed) {
          const int64_t n = d.get_int("n", 40);
          return recipe::DatasetSplits{
              tiny_images(n, seed + 1), tiny_images(20, seed + 2), 4, {"a", "b", "c", "d"}};
        },
        "four classes of 8x8 images (keys: n = 40)");
    recipe::datasets().add(
        "user_misnamed",
        [](const io::Config&, uint64_t) {
          return recipe::DatasetSplits{tiny_images(8, 1), tiny_images(8, 2), 4, {"only one"}};
        },
        "names fewer classes than it has");
  }
  const recipe::ExperimentData data = recipe::load_experiment_data(parse(R"(
[data]
dataset = "user_tiny"
n = 50
validation = "holdout"
val_size = 10
test_subset = 5
)"));
  EXPECT_EQ(data.train.size(), 40);
  EXPECT_EQ(data.val.size(), 10);
  EXPECT_EQ(data.test.size(), 5);
  EXPECT_EQ(data.num_classes, 4);
  EXPECT_EQ(data.class_names[3], "d");
  EXPECT_EQ(data.input_shape, (Shape{1, 8, 8}));
  const std::string m =
      error_of([] { recipe::load_experiment_data(parse("[data]\ndataset = \"user_misnamed\"")); });
  EXPECT_NE(m.find("data.dataset = \"user_misnamed\": the dataset names 1 classes but reports 4"),
            std::string::npos)
      << m;
}

TEST(DatasetRegistry, SyntheticHelpListsTheKeysWithTheirDefaults) {
  const auto& e = recipe::datasets().at("synthetic");
  io::Config with = parse(help_keys_as_toml(e.help));
  const recipe::DatasetSplits documented = e.build(with, 3);
  EXPECT_NO_THROW(with.check_unused());
  const recipe::DatasetSplits defaults = e.build(parse(""), 3);
  EXPECT_EQ(documented.train.size(), defaults.train.size());
  EXPECT_EQ(documented.test.size(), defaults.test.size());
  EXPECT_EQ(documented.num_classes, defaults.num_classes);
  EXPECT_EQ(documented.train.all().inputs.to_vector<float>(),
            defaults.train.all().inputs.to_vector<float>());
}

TEST(DatasetRegistry, UnknownDatasetNamesTheKey) {
  const std::string m =
      error_of([] { recipe::load_experiment_data(parse("[data]\ndataset = \"cifar10\"")); });
  EXPECT_NE(m.find("data.dataset: unknown dataset \"cifar10\" (expected one of: fashion_mnist, "
                   "synthetic"),
            std::string::npos)
      << m;
}

// ---- the listing ----

TEST(Describe, TextAlignsNamesAndWrapsHelpAt100Columns) {
  recipe::RegistryListing l{"widget", "thing.name", {{"a", "short"}, {"longer_name", ""}}};
  std::string long_help;
  for (int i = 0; i < 40; ++i) long_help += "word" + std::to_string(i) + " ";
  // keys at every offset against the margin: none may be split inside "key = [value]"
  for (int i = 0; i < 12; ++i) long_help += "x" + std::string(i, 'y') + " betas = [0.9, 0.999]; ";
  l.entries.emplace_back("b", long_help);
  const std::string text = recipe::render_listing(l, recipe::ListFormat::Text);
  EXPECT_EQ(text.substr(0, text.find('\n')), "thing.name, one of:");
  EXPECT_NE(text.find("\n  a            short\n  longer_name\n  b            word0 word1"),
            std::string::npos)
      << text;
  std::istringstream lines(text);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    EXPECT_LE(line.size(), 100u) << line;
    const std::string trimmed = line.substr(line.find_first_not_of(' '));
    EXPECT_NE(trimmed.front(), '=') << line;
    EXPECT_NE(trimmed.rfind("0.999]", 0), 0u) << line;
    EXPECT_NE(line.back(), '=') << line;
    EXPECT_NE(line.back(), ',') << line;
    ++count;
  }
  EXPECT_GT(count, 4);  // the long help took more than one line
  EXPECT_NE(text.find("word39"), std::string::npos);
}

TEST(Describe, MarkdownIsATableOfEveryEntry) {
  recipe::RegistryListing l{"widget", "thing.name", {{"a", "x | y"}, {"b", "z"}}};
  EXPECT_EQ(recipe::render_listing(l, recipe::ListFormat::Markdown),
            "`thing.name`, one of:\n\n| widget | description |\n| --- | --- |\n"
            "| `a` | x \\| y |\n| `b` | z |\n");
  const std::string all = recipe::describe_recipe_registries(recipe::ListFormat::Markdown);
  for (const auto& n : recipe::optimizers().names())
    EXPECT_NE(all.find("| `" + n + "` |"), std::string::npos) << n;
  for (const auto& n : recipe::losses().names())
    EXPECT_NE(all.find("| `" + n + "` |"), std::string::npos) << n;
  for (const auto& n : recipe::init_schemes().names())
    EXPECT_NE(all.find("| `" + n + "` |"), std::string::npos) << n;
  for (const auto& n : recipe::datasets().names())
    EXPECT_NE(all.find("| `" + n + "` |"), std::string::npos) << n;
}

}  // namespace
}  // namespace nabla::test
