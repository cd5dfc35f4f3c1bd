// Experiment configs: a TOML file (toml++) read through typed lookups by dotted key.
//
//   io::Config cfg = io::load_config("configs/lenet_fashion.toml");
//   cfg.apply_overrides({"optimizer.lr=0.01", "train.epochs=3"});   // --set flags
//   double lr = cfg.get_double("optimizer.lr", 1e-3);               // default if absent
//   for (const io::Config& layer : cfg.get_table_list("model.layers"))
//     make_layer(layer.get_string("type"), layer.get_int("out", 0));
//   cfg.check_unused();   // a misspelt key in the file is an error, not silently ignored
//
// Keys are dotted paths with optional array indices: "model.layers[2].kernel". Lookups
// remember which keys were read so check_unused() can name every key nobody asked for
// (with its line, and the nearest key that was asked for). Type errors name the file, line,
// key, expected and actual type. Values given through overrides are parsed as TOML (numbers,
// booleans, "strings", [arrays]); a bare word that is not TOML is taken as a string.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nabla/core/error.hpp"

namespace nabla::io {

// What is wrong inside a config (TOML syntax, a type, an unknown key, a bad --set): the
// config's fault, exit code 1 in `nabla`. A config file that cannot be opened or read is an
// IoError (exit code 4) like any other missing file.
class ConfigError : public Error {
 public:
  using Error::Error;
};

struct ConfigState;  // the parsed document (toml++ stays out of this header)

// A cheap handle: copies and sub-table views share one document (and its read-key record).
class Config {
 public:
  Config();  // empty document

  // IoError when the file cannot be read; ConfigError naming the file, line and problem.
  static Config load(const std::string& path);
  static Config parse(const std::string& text, const std::string& source = "<string>");

  bool has(const std::string& key) const;

  // Without a fallback a missing key is an error; with one, a missing key gives the fallback.
  // A present key of the wrong type is always an error. Integers are accepted as doubles and
  // integral floats (5.0) as integers.
  double get_double(const std::string& key) const;
  double get_double(const std::string& key, double fallback) const;
  int64_t get_int(const std::string& key) const;
  int64_t get_int(const std::string& key, int64_t fallback) const;
  std::string get_string(const std::string& key) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;
  bool get_bool(const std::string& key) const;
  bool get_bool(const std::string& key, bool fallback) const;
  std::vector<double> get_double_list(const std::string& key,
                                      std::optional<std::vector<double>> fallback = {}) const;
  std::vector<int64_t> get_int_list(const std::string& key,
                                    std::optional<std::vector<int64_t>> fallback = {}) const;
  std::vector<std::string> get_string_list(
      const std::string& key, std::optional<std::vector<std::string>> fallback = {}) const;

  // A sub-table as a Config whose keys are relative to it (errors still say the full key).
  // A missing table gives an empty view.
  Config get_table(const std::string& key) const;
  // An array of tables ([[model.layers]]); missing gives an empty list.
  std::vector<Config> get_table_list(const std::string& key) const;
  // The keys directly inside a table ("" = this view's table), sorted.
  std::vector<std::string> keys(const std::string& table = "") const;

  // Sets `key` (creating tables on the way) to `value` parsed as TOML. A key that already
  // exists keeps its type: an integer may replace a float, anything else must match.
  void set(const std::string& key, const std::string& value);
  // "key=value", as given to --set.
  void apply_override(const std::string& assignment);
  void apply_overrides(const std::vector<std::string>& assignments);

  // Leaf keys present in the document that no get_* call has read.
  std::vector<std::string> unused_keys() const;
  // Throws ConfigError listing each unused key with its line and a "did you mean" suggestion.
  void check_unused() const;

  // The whole document (not just this view) as TOML text; parse(to_toml()) gives it back.
  std::string to_toml() const;
  const std::string& source() const;                     // file name or "<string>"
  const std::string& prefix() const { return prefix_; }  // "" for the root view

 private:
  Config(std::shared_ptr<ConfigState> state, std::string prefix);
  std::string full_key(const std::string& key) const;

  std::shared_ptr<ConfigState> state_;
  std::string prefix_;
};

Config load_config(const std::string& path);
Config parse_config(const std::string& text, const std::string& source = "<string>");

}  // namespace nabla::io
