#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "nabla/core/error.hpp"
#include "nabla/io/config.hpp"

using namespace nabla;
using nabla::io::Config;

namespace {

const char* kExample = R"(# a LeNet run
seed = 7

[train]
epochs = 5
batch_size = 64
full_batch = false

[optimizer]
name = "adam"
lr = 1e-3
betas = [0.9, 0.999]

[[model.layers]]
type = "conv2d"
out = 6
kernel = 5

[[model.layers]]
type = "linear"
out = 10
)";

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST(Config, TypedLookupsAndDefaults) {
  const Config c = io::parse_config(kExample, "lenet.toml");
  EXPECT_EQ(c.get_int("seed"), 7);
  EXPECT_EQ(c.get_int("train.epochs"), 5);
  EXPECT_FALSE(c.get_bool("train.full_batch"));
  EXPECT_EQ(c.get_string("optimizer.name"), "adam");
  EXPECT_DOUBLE_EQ(c.get_double("optimizer.lr"), 1e-3);
  EXPECT_DOUBLE_EQ(c.get_double("train.epochs"), 5.0);  // ints are fine as numbers
  EXPECT_EQ(c.get_double_list("optimizer.betas"), (std::vector<double>{0.9, 0.999}));
  EXPECT_DOUBLE_EQ(c.get_double("optimizer.eps", 1e-8), 1e-8);
  EXPECT_EQ(c.get_string("optimizer.schedule", "none"), "none");
  EXPECT_TRUE(c.has("optimizer.lr"));
  EXPECT_FALSE(c.has("optimizer.momentum"));
  EXPECT_TRUE(c.has("model.layers[1].out"));
  EXPECT_EQ(c.get_int("model.layers[1].out"), 10);
  EXPECT_EQ(c.keys("optimizer"), (std::vector<std::string>{"betas", "lr", "name"}));
}

TEST(Config, TableListsAreViewsWithFullKeys) {
  const Config c = io::parse_config(kExample, "lenet.toml");
  const std::vector<Config> layers = c.get_table_list("model.layers");
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[0].get_string("type"), "conv2d");
  EXPECT_EQ(layers[0].get_int("kernel"), 5);
  EXPECT_EQ(layers[1].get_int("kernel", 1), 1);
  EXPECT_EQ(layers[1].prefix(), "model.layers[1]");
  const std::string err = error_of([&] { layers[0].get_string("out"); });
  EXPECT_TRUE(contains(err, "lenet.toml:16")) << err;
  EXPECT_TRUE(contains(err, "'model.layers[0].out'")) << err;
  EXPECT_TRUE(c.get_table_list("model.missing").empty());
  EXPECT_EQ(c.get_table("optimizer").get_string("name"), "adam");
  EXPECT_THROW(c.get_table_list("optimizer"), io::ConfigError);
}

TEST(Config, TypeErrorsNameFileLineKeyAndTypes) {
  const Config c = io::parse_config(kExample, "lenet.toml");
  std::string err = error_of([&] { c.get_double("optimizer.name"); });
  EXPECT_TRUE(contains(err, "lenet.toml:10")) << err;
  EXPECT_TRUE(contains(err, "optimizer.name")) << err;
  EXPECT_TRUE(contains(err, "expected a number")) << err;
  EXPECT_TRUE(contains(err, "got string \"adam\"")) << err;
  err = error_of([&] { c.get_int("optimizer.lr"); });
  EXPECT_TRUE(contains(err, "expected an integer, got float")) << err;
  err = error_of([&] { c.get_bool("train.epochs", true); });  // fallback does not hide it
  EXPECT_TRUE(contains(err, "expected a boolean")) << err;
  err = error_of([&] { c.get_string("data.dir"); });
  EXPECT_TRUE(contains(err, "missing required key 'data.dir'")) << err;
  err = error_of([&] { c.get_int_list("optimizer.betas"); });
  EXPECT_TRUE(contains(err, "optimizer.betas[0]")) << err;
  EXPECT_THROW(c.get_double("a..b"), Error);
}

TEST(Config, SyntaxErrorsGiveLineAndColumn) {
  const std::string err = error_of([] { io::parse_config("a = 1\nb = [1, 2\n", "bad.toml"); });
  EXPECT_TRUE(contains(err, "bad.toml:")) << err;
  EXPECT_TRUE(contains(err, "invalid TOML")) << err;
  EXPECT_THROW(io::parse_config("x = 1\nx = 2\n"), io::ConfigError);  // duplicate key
  EXPECT_THROW(io::load_config("/nonexistent/cfg.toml"), IoError);
}

// `nabla` maps ConfigError to exit code 1 (bad config) and IoError to 4 (unreadable file): what
// is wrong inside a config must not be an IoError.
TEST(Config, ProblemsInsideAConfigAreConfigErrorsAndUnreadableFilesIoErrors) {
  auto kind = [](const std::function<void()>& f) -> std::string {
    try {
      f();
    } catch (const IoError&) {
      return "io";
    } catch (const io::ConfigError&) {
      return "config";
    } catch (const Error&) {
      return "error";
    }
    return "none";
  };
  EXPECT_EQ(kind([] { io::parse_config("[train\n"); }), "config");
  Config c = io::parse_config("[train]\nepochs = 3\nephocs = 4\n");
  EXPECT_EQ(kind([&] { c.get_string("train.epochs"); }), "config");
  EXPECT_EQ(kind([&] { c.apply_override("train.epochs=\"x\""); }), "config");
  EXPECT_EQ(kind([&] { c.apply_override("novalue"); }), "config");
  c.get_int("train.epochs");
  EXPECT_EQ(kind([&] { c.check_unused(); }), "config");
  EXPECT_EQ(kind([] { io::load_config("/nonexistent/cfg.toml"); }), "io");
  const std::string err = error_of([] { io::load_config("/tmp"); });
  EXPECT_NE(err.find("is a folder"), std::string::npos) << err;
  EXPECT_EQ(kind([] { io::load_config("/tmp"); }), "io");
}

TEST(Config, OverridesParseTomlValues) {
  Config c = io::parse_config(kExample, "lenet.toml");
  c.apply_overrides({"optimizer.lr=0.01", "train.epochs = 2", "optimizer.name=\"sgd\"",
                     "optimizer.betas=[0.5, 0.6]", "train.full_batch=true",
                     "optimizer.momentum=0.9", "model.name=lenet", "scheduler.step.gamma=0.1",
                     "model.layers[0].out=8"});
  EXPECT_DOUBLE_EQ(c.get_double("optimizer.lr"), 0.01);
  EXPECT_EQ(c.get_int("train.epochs"), 2);
  EXPECT_EQ(c.get_string("optimizer.name"), "sgd");
  EXPECT_EQ(c.get_double_list("optimizer.betas"), (std::vector<double>{0.5, 0.6}));
  EXPECT_TRUE(c.get_bool("train.full_batch"));
  EXPECT_DOUBLE_EQ(c.get_double("optimizer.momentum"), 0.9);
  EXPECT_EQ(c.get_string("model.name"), "lenet");  // bare word taken as a string
  EXPECT_DOUBLE_EQ(c.get_double("scheduler.step.gamma"), 0.1);
  EXPECT_EQ(c.get_int("model.layers[0].out"), 8);
  c.set("optimizer.lr", "1");  // an integer may replace a float
  EXPECT_DOUBLE_EQ(c.get_double("optimizer.lr"), 1.0);

  std::string err = error_of([&] { c.apply_override("train.epochs=fast"); });
  EXPECT_TRUE(contains(err, "expected integer")) << err;
  EXPECT_TRUE(contains(err, "got string")) << err;
  err = error_of([&] { c.apply_override("optimizer.lr"); });
  EXPECT_TRUE(contains(err, "expected key=value")) << err;
  err = error_of([&] { c.apply_override("optimizer.name.x=1"); });
  EXPECT_TRUE(contains(err, "is a string, not a table")) << err;
  EXPECT_THROW(c.apply_override("optimizer.betas=[1, 2"), io::ConfigError);
  err = error_of([&] { c.get_string("train.epochs"); });
  EXPECT_TRUE(contains(err, "--set train.epochs")) << err;  // the value came from --set
}

TEST(Config, UnusedKeysAreReportedWithSuggestions) {
  const Config c = io::parse_config("[optimizer]\nlrr = 0.1\nname = \"sgd\"\n[train]\nepochs = 3\n",
                                    "typo.toml");
  c.get_string("optimizer.name");
  c.get_double("optimizer.lr", 0.01);  // asked for, absent: the misspelt key is the suspect
  EXPECT_EQ(c.unused_keys(), (std::vector<std::string>{"optimizer.lrr", "train.epochs"}));
  const std::string err = error_of([&] { c.check_unused(); });
  EXPECT_TRUE(contains(err, "typo.toml:2: 'optimizer.lrr' (did you mean 'optimizer.lr'?)")) << err;
  EXPECT_TRUE(contains(err, "typo.toml:5: 'train.epochs'")) << err;
  c.get_int("train.epochs");
  c.get_double("optimizer.lrr");
  EXPECT_NO_THROW(c.check_unused());

  // Table arrays are checked element by element.
  const Config d = io::parse_config(kExample);
  for (const Config& l : d.get_table_list("model.layers")) {
    l.get_string("type");
    l.get_int("out");
  }
  const auto unused = d.unused_keys();
  EXPECT_NE(std::find(unused.begin(), unused.end(), "model.layers[0].kernel"), unused.end());
  EXPECT_EQ(std::find(unused.begin(), unused.end(), "model.layers[1].out"), unused.end());
}

TEST(Config, SerialisesBackToEquivalentToml) {
  Config c = io::parse_config(kExample, "lenet.toml");
  c.apply_override("optimizer.lr=0.05");
  const std::string text = c.to_toml();
  const Config back = io::parse_config(text, "checkpoint");
  EXPECT_DOUBLE_EQ(back.get_double("optimizer.lr"), 0.05);
  EXPECT_EQ(back.get_int("train.epochs"), 5);
  EXPECT_EQ(back.get_double_list("optimizer.betas"), (std::vector<double>{0.9, 0.999}));
  EXPECT_EQ(back.get_table_list("model.layers").size(), 2u);
  EXPECT_EQ(back.get_string("model.layers[1].type"), "linear");
  EXPECT_EQ(back.to_toml(), text);

  const std::string path = ::testing::TempDir() + "nabla_config_test.toml";
  {
    std::ofstream f(path);
    f << text;
  }
  EXPECT_EQ(io::load_config(path).get_int("seed"), 7);
  std::remove(path.c_str());
}

TEST(Config, StringsWithTripleQuotesSurviveSerialisation) {
  // Found by fuzz/fuzz_config: toml++'s default formatter wrote this as an unparsable
  // '''literal''' string.
  const Config c = io::parse_config("t = \"6wo''''''\"\nu = \"a\\nb\\tc\"\n");
  const Config back = io::parse_config(c.to_toml());
  EXPECT_EQ(back.get_string("t"), "6wo''''''");
  EXPECT_EQ(back.get_string("u"), "a\nb\tc");
}

TEST(Config, KeysThatWouldNotReadBackAreRefused) {
  // Found by fuzz/fuzz_config: toml++ writes quoted keys holding a tab or a single quote back
  // out bare, and the result does not parse (a checkpoint's config must always read back).
  for (const std::string text : {"\"a\tb\" = 1\n", "[t.\"c'd\"]\nx = 1\n", "v = { \"e'f\" = 2 }\n",
                                 "x = [ { \"g\th\" = 1 } ]\n"}) {
    const std::string err = error_of([&] { io::parse_config(text, "k.toml"); });
    EXPECT_NE(err.find("single quote"), std::string::npos) << text << " -> " << err;
  }
  Config c =
      io::parse_config("\"qu.key\" = true\n\"sp ace\" = 1\n");  // other quoted keys still work
  EXPECT_EQ(io::parse_config(c.to_toml()).to_toml(), c.to_toml());
  EXPECT_NE(error_of([&] { c.set("a'b", "1"); }).find("single quote"), std::string::npos);
  EXPECT_NE(error_of([&] { c.set("x", "{ \"a'b\" = 1 }"); }).find("single quote"),
            std::string::npos);

  // Dotted keys nest without brackets; toml++ writes them back as inline tables past its limit.
  std::string deep = "k";
  for (int i = 0; i < 100; ++i) deep += ".k";
  EXPECT_NE(error_of([&] { io::parse_config(deep + " = 1\n"); }).find("nested deeper"),
            std::string::npos);
  EXPECT_NE(error_of([&] { c.set(deep, "1"); }).find("nested deeper"), std::string::npos);
  EXPECT_NO_THROW(io::parse_config("a.b.c.d = 1\n"));
}
