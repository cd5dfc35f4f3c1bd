#include "nabla/io/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string_view>

#include "nabla/core/error.hpp"

namespace nabla::io {

struct ConfigState {
  toml::table root;
  std::string source = "<string>";
  // Keys some get_* call asked for (present or not, for "did you mean") and ones it read.
  std::set<std::string> asked;
  std::set<std::string> read;
  std::set<std::string> overridden;  // keys whose value came from set()/--set
};

namespace {

constexpr size_t kMaxConfigBytes = size_t{16} << 20;

struct Segment {
  std::string key;     // a table key, or
  int64_t index = -1;  // an array index when >= 0
};

std::vector<Segment> split_key(const std::string& path) {
  NABLA_CHECK(!path.empty(), "Config", "empty key");
  std::vector<Segment> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '[') {
      const size_t close = path.find(']', i);
      NABLA_CHECK(close != std::string::npos && close > i + 1, "Config", "malformed index in key '",
                  path, "'");
      const std::string num = path.substr(i + 1, close - i - 1);
      NABLA_CHECK(num.find_first_not_of("0123456789") == std::string::npos && num.size() < 10,
                  "Config", "malformed index '", num, "' in key '", path, "'");
      out.push_back({"", std::stoll(num)});
      i = close + 1;
      if (i < path.size()) {
        NABLA_CHECK(path[i] == '.' || path[i] == '[', "Config", "malformed key '", path, "'");
        if (path[i] == '.') ++i;
      }
      continue;
    }
    size_t end = path.find_first_of(".[", i);
    if (end == std::string::npos) end = path.size();
    NABLA_CHECK(end > i, "Config", "empty part in key '", path, "'");
    out.push_back({path.substr(i, end - i), -1});
    i = end;
    if (i < path.size() && path[i] == '.') {
      ++i;
      NABLA_CHECK(i < path.size(), "Config", "key '", path, "' ends with '.'");
    }
  }
  return out;
}

const toml::node* find(const toml::node& root, const std::string& path) {
  const toml::node* n = &root;
  for (const Segment& s : split_key(path)) {
    if (s.index >= 0) {
      const toml::array* a = n->as_array();
      if (!a || static_cast<size_t>(s.index) >= a->size()) return nullptr;
      n = a->get(static_cast<size_t>(s.index));
    } else {
      const toml::table* t = n->as_table();
      if (!t) return nullptr;
      n = t->get(s.key);
      if (!n) return nullptr;
    }
  }
  return n;
}

const char* type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table:
      return "table";
    case toml::node_type::array:
      return "array";
    case toml::node_type::string:
      return "string";
    case toml::node_type::integer:
      return "integer";
    case toml::node_type::floating_point:
      return "float";
    case toml::node_type::boolean:
      return "boolean";
    case toml::node_type::date:
      return "date";
    case toml::node_type::time:
      return "time";
    case toml::node_type::date_time:
      return "date-time";
    default:
      return "nothing";
  }
}

std::string show(const toml::node& n) {
  std::ostringstream os;
  if (const auto* str = n.as_string())
    os << '"' << str->get() << '"';  // toml++ would print 'single-quoted' literals
  else
    n.visit([&](const auto& v) { os << v; });
  std::string s = os.str();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// What toml++ 3.3 reads but cannot write back so that it reads again (found by fuzz/fuzz_config):
// quoted keys holding a tab or a single quote come out bare, and values nested deeper than its
// parse limit of 256 (dotted keys or [[a.b.c]] headers nest without brackets) come out as inline
// tables that exceed it. No config needs either, so both are refused on reading: a checkpoint's
// stored config must always read back.
constexpr int kMaxConfigDepth = 64;

bool unwritable_key(std::string_view key) {
  return key.find_first_of("\t'") != std::string_view::npos;
}

void check_keys(const toml::node& n, const std::string& source, int depth = 0) {
  if (depth > kMaxConfigDepth)
    throw ConfigError(source + ": tables or arrays nested deeper than " +
                      std::to_string(kMaxConfigDepth) + " levels are not supported");
  if (const toml::table* t = n.as_table()) {
    for (const auto& [k, v] : *t) {
      const std::string_view key = k.str();
      if (unwritable_key(key))
        throw ConfigError(source + ":" + std::to_string(k.source().begin.line) +
                          ": key with a tab or a single quote in it is not supported: \"" +
                          std::string(key) + "\"");
      check_keys(v, source, depth + 1);
    }
  } else if (const toml::array* a = n.as_array()) {
    for (const toml::node& e : *a) check_keys(e, source, depth + 1);
  }
}

void collect_leaves(const toml::node& n, const std::string& path, std::vector<std::string>& out) {
  if (const toml::table* t = n.as_table()) {
    for (const auto& [k, v] : *t) {
      const std::string key(k.str());
      collect_leaves(v, path.empty() ? key : path + "." + key, out);
    }
  } else if (const toml::array* a = n.as_array(); a && !a->empty() && a->is_array_of_tables()) {
    for (size_t i = 0; i < a->size(); ++i)
      collect_leaves(*a->get(i), path + "[" + std::to_string(i) + "]", out);
  } else {
    out.push_back(path);
  }
}

// Parses `value` as the right-hand side of a TOML assignment; a bare word that is not valid
// TOML (--set model.name=lenet) becomes a string.
toml::table parse_value(const std::string& key, const std::string& value) {
  try {
    return toml::parse("v = " + value + "\n", "--set " + key);
  } catch (const toml::parse_error& e) {
    const bool structured =
        !value.empty() && std::string("\"'[{").find(value[0]) != std::string::npos;
    if (structured || value.find('\n') != std::string::npos)
      throw ConfigError("--set " + key + "=" + value + ": cannot parse the value as TOML (" +
                        std::string(e.description()) + ")");
    toml::table t;
    t.insert_or_assign("v", value);
    return t;
  }
}

}  // namespace

Config::Config() : state_(std::make_shared<ConfigState>()) {}

Config::Config(std::shared_ptr<ConfigState> state, std::string prefix)
    : state_(std::move(state)), prefix_(std::move(prefix)) {}

Config Config::parse(const std::string& text, const std::string& source) {
  Config c;
  c.state_->source = source;
  try {
    c.state_->root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << source << ":" << e.source().begin.line << ":" << e.source().begin.column
       << ": invalid TOML: " << e.description();
    throw ConfigError(os.str());
  }
  check_keys(c.state_->root, source);
  return c;
}

Config Config::load(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw IoError("config '" + path + "': is a folder, expected a TOML file");
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) throw IoError("config '" + path + "': cannot open: " + std::strerror(errno));
  const std::streamoff size = f.tellg();
  if (size < 0 || static_cast<uint64_t>(size) > kMaxConfigBytes)
    throw IoError("config '" + path + "': not a regular file of at most 16 MiB");
  std::string text(static_cast<size_t>(size), '\0');
  f.seekg(0);
  if (!f.read(text.data(), size)) throw IoError("config '" + path + "': read error");
  return parse(text, path);
}

Config load_config(const std::string& path) { return Config::load(path); }
Config parse_config(const std::string& text, const std::string& source) {
  return Config::parse(text, source);
}

const std::string& Config::source() const { return state_->source; }

std::string Config::full_key(const std::string& key) const {
  if (prefix_.empty()) return key;
  if (key.empty()) return prefix_;
  return key[0] == '[' ? prefix_ + key : prefix_ + "." + key;
}

bool Config::has(const std::string& key) const {
  return find(state_->root, full_key(key)) != nullptr;
}

namespace {

// Where a key's value came from, for messages: "file.toml:12" or "--set".
std::string where(const ConfigState& st, const std::string& key, const toml::node* n) {
  for (std::string k = key;;) {
    if (st.overridden.count(k)) return "--set " + key;
    const size_t cut = k.find_last_of(".[");
    if (cut == std::string::npos || cut == 0) break;
    k = k.substr(0, cut);
  }
  if (n && n->source().begin.line > 0)
    return st.source + ":" + std::to_string(n->source().begin.line);
  return st.source;
}

[[noreturn]] void type_error(const ConfigState& st, const std::string& key, const toml::node& n,
                             const char* expected) {
  throw ConfigError(where(st, key, &n) + ": key '" + key + "' expected " + expected + ", got " +
                    type_name(n) + " " + show(n));
}

// Looks `key` up, records the access, and returns null when absent (or throws if required).
const toml::node* lookup(ConfigState& st, const std::string& key, bool required,
                         const char* expected) {
  st.asked.insert(key);
  const toml::node* n = find(st.root, key);
  if (!n) {
    if (required)
      throw ConfigError(st.source + ": missing required key '" + key + "' (" + expected + ")");
    return nullptr;
  }
  st.read.insert(key);
  return n;
}

double as_double(const ConfigState& st, const std::string& key, const toml::node& n) {
  if (auto v = n.as_floating_point()) return v->get();
  if (auto v = n.as_integer()) return static_cast<double>(v->get());
  type_error(st, key, n, "a number");
}

int64_t as_int(const ConfigState& st, const std::string& key, const toml::node& n) {
  if (auto v = n.as_integer()) return v->get();
  if (auto v = n.as_floating_point()) {
    const double d = v->get();
    if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.0e15)
      return static_cast<int64_t>(d);
  }
  type_error(st, key, n, "an integer");
}

std::string as_string(const ConfigState& st, const std::string& key, const toml::node& n) {
  if (auto v = n.as_string()) return v->get();
  type_error(st, key, n, "a string");
}

bool as_bool(const ConfigState& st, const std::string& key, const toml::node& n) {
  if (auto v = n.as_boolean()) return v->get();
  type_error(st, key, n, "a boolean (true/false)");
}

template <class T, class Conv>
std::vector<T> get_list(ConfigState& st, const std::string& key,
                        const std::optional<std::vector<T>>& fallback, const char* expected,
                        Conv conv) {
  const toml::node* n = lookup(st, key, !fallback, expected);
  if (!n) return *fallback;
  const toml::array* a = n->as_array();
  if (!a) type_error(st, key, *n, expected);
  std::vector<T> out;
  out.reserve(a->size());
  for (size_t i = 0; i < a->size(); ++i)
    out.push_back(conv(st, key + "[" + std::to_string(i) + "]", *a->get(i)));
  return out;
}

}  // namespace

double Config::get_double(const std::string& key) const {
  const std::string k = full_key(key);
  return as_double(*state_, k, *lookup(*state_, k, true, "a number"));
}
double Config::get_double(const std::string& key, double fallback) const {
  const std::string k = full_key(key);
  const toml::node* n = lookup(*state_, k, false, "a number");
  return n ? as_double(*state_, k, *n) : fallback;
}
int64_t Config::get_int(const std::string& key) const {
  const std::string k = full_key(key);
  return as_int(*state_, k, *lookup(*state_, k, true, "an integer"));
}
int64_t Config::get_int(const std::string& key, int64_t fallback) const {
  const std::string k = full_key(key);
  const toml::node* n = lookup(*state_, k, false, "an integer");
  return n ? as_int(*state_, k, *n) : fallback;
}
std::string Config::get_string(const std::string& key) const {
  const std::string k = full_key(key);
  return as_string(*state_, k, *lookup(*state_, k, true, "a string"));
}
std::string Config::get_string(const std::string& key, const std::string& fallback) const {
  const std::string k = full_key(key);
  const toml::node* n = lookup(*state_, k, false, "a string");
  return n ? as_string(*state_, k, *n) : fallback;
}
bool Config::get_bool(const std::string& key) const {
  const std::string k = full_key(key);
  return as_bool(*state_, k, *lookup(*state_, k, true, "a boolean"));
}
bool Config::get_bool(const std::string& key, bool fallback) const {
  const std::string k = full_key(key);
  const toml::node* n = lookup(*state_, k, false, "a boolean");
  return n ? as_bool(*state_, k, *n) : fallback;
}

std::vector<double> Config::get_double_list(const std::string& key,
                                            std::optional<std::vector<double>> fallback) const {
  return get_list<double>(*state_, full_key(key), fallback, "an array of numbers", as_double);
}
std::vector<int64_t> Config::get_int_list(const std::string& key,
                                          std::optional<std::vector<int64_t>> fallback) const {
  return get_list<int64_t>(*state_, full_key(key), fallback, "an array of integers", as_int);
}
std::vector<std::string> Config::get_string_list(
    const std::string& key, std::optional<std::vector<std::string>> fallback) const {
  return get_list<std::string>(*state_, full_key(key), fallback, "an array of strings", as_string);
}

Config Config::get_table(const std::string& key) const {
  const std::string k = full_key(key);
  state_->asked.insert(k);
  const toml::node* n = find(state_->root, k);
  if (n && !n->is_table()) type_error(*state_, k, *n, "a table");
  return Config(state_, k);
}

std::vector<Config> Config::get_table_list(const std::string& key) const {
  const std::string k = full_key(key);
  state_->asked.insert(k);
  const toml::node* n = find(state_->root, k);
  if (!n) return {};
  const toml::array* a = n->as_array();
  if (!a || !a->is_array_of_tables()) type_error(*state_, k, *n, "an array of tables ([[...]])");
  std::vector<Config> out;
  for (size_t i = 0; i < a->size(); ++i)
    out.push_back(Config(state_, k + "[" + std::to_string(i) + "]"));
  return out;
}

std::vector<std::string> Config::keys(const std::string& table) const {
  const std::string k = table.empty() ? prefix_ : full_key(table);
  const toml::node* n = k.empty() ? &state_->root : find(state_->root, k);
  std::vector<std::string> out;
  if (!n) return out;
  const toml::table* t = n->as_table();
  if (!t) type_error(*state_, k, *n, "a table");
  for (const auto& [key, v] : *t) out.emplace_back(key.str());
  return out;
}

void Config::set(const std::string& key_in, const std::string& value) {
  const std::string key = full_key(key_in);
  const std::vector<Segment> segs = split_key(key);
  for (const Segment& s : segs)
    if (unwritable_key(s.key))
      throw ConfigError("--set " + key +
                        ": key with a tab or a single quote in it is not supported");
  toml::table parsed = parse_value(key, value);
  check_keys(parsed, "--set " + key, static_cast<int>(segs.size()) - 1);  // the whole path counts
  toml::node& fresh = *parsed.get("v");

  // Walk to the parent, creating missing tables.
  toml::node* parent = &state_->root;
  std::string path;
  for (size_t i = 0; i + 1 < segs.size(); ++i) {
    const Segment& s = segs[i];
    if (s.index >= 0) {
      path.append("[").append(std::to_string(s.index)).append("]");
    } else {
      if (!path.empty()) path.push_back('.');
      path.append(s.key);
    }
    toml::node* next = nullptr;
    if (s.index >= 0) {
      toml::array* a = parent->as_array();
      if (!a || static_cast<size_t>(s.index) >= a->size())
        throw ConfigError("--set " + key + ": '" + path + "' does not exist");
      next = a->get(static_cast<size_t>(s.index));
    } else {
      toml::table* t = parent->as_table();
      if (!t) throw ConfigError("--set " + key + ": '" + path + "' is not inside a table");
      next = t->get(s.key);
      if (!next) next = &t->insert_or_assign(s.key, toml::table{}).first->second;
    }
    if (!next->is_table() && !next->is_array())
      throw ConfigError("--set " + key + ": '" + path + "' is a " + type_name(*next) +
                        ", not a table");
    parent = next;
  }

  const Segment& last = segs.back();
  toml::node* existing = nullptr;
  if (last.index >= 0) {
    toml::array* a = parent->as_array();
    if (!a || static_cast<size_t>(last.index) >= a->size())
      throw ConfigError("--set " + key + ": no such array element");
    existing = a->get(static_cast<size_t>(last.index));
  } else {
    if (!parent->is_table()) throw ConfigError("--set " + key + ": parent is not a table");
    existing = parent->as_table()->get(last.key);
  }

  // Keep the file's type: an int may stand in for a float, other mismatches are mistakes.
  if (existing && existing->type() != fresh.type()) {
    if (existing->is_floating_point() && fresh.is_integer()) {
      toml::table conv;
      conv.insert_or_assign("v", static_cast<double>(fresh.as_integer()->get()));
      parsed = std::move(conv);
    } else {
      throw ConfigError("--set " + key + "=" + value + ": expected " + type_name(*existing) +
                        " (as in " + where(*state_, key, existing) + "), got " + type_name(fresh));
    }
  }
  toml::node& v = *parsed.get("v");
  v.visit([&](auto& val) {
    if (last.index >= 0) {
      toml::array* a = parent->as_array();
      a->replace(a->cbegin() + last.index, std::move(val));
    } else {
      parent->as_table()->insert_or_assign(last.key, std::move(val));
    }
  });
  state_->overridden.insert(key);
}

void Config::apply_override(const std::string& assignment) {
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError("--set '" + assignment + "': expected key=value, e.g. optimizer.lr=0.01");
  std::string key = assignment.substr(0, eq);
  while (!key.empty() && key.back() == ' ') key.pop_back();
  size_t vstart = eq + 1;
  while (vstart < assignment.size() && assignment[vstart] == ' ') ++vstart;
  set(key, assignment.substr(vstart));
}

void Config::apply_overrides(const std::vector<std::string>& assignments) {
  for (const std::string& a : assignments) apply_override(a);
}

std::vector<std::string> Config::unused_keys() const {
  std::vector<std::string> leaves;
  const toml::node* n = prefix_.empty() ? &state_->root : find(state_->root, prefix_);
  if (n) collect_leaves(*n, prefix_, leaves);
  std::vector<std::string> out;
  for (const std::string& k : leaves)
    if (!state_->read.count(k)) out.push_back(k);
  return out;
}

void Config::check_unused() const {
  const std::vector<std::string> unused = unused_keys();
  if (unused.empty()) return;
  std::ostringstream os;
  os << state_->source << ": " << unused.size() << " unknown key" << (unused.size() > 1 ? "s" : "")
     << " (nothing reads them; misspelt?):";
  for (const std::string& k : unused) {
    os << "\n  " << where(*state_, k, find(state_->root, k)) << ": '" << k << "'";
    std::string best;
    size_t best_d = SIZE_MAX;
    for (const std::string& a : state_->asked) {
      if (state_->read.count(a)) continue;  // suggest only keys asked for but absent
      const size_t d = edit_distance(k, a);
      if (d < best_d) best_d = d, best = a;
    }
    if (!best.empty() && best_d <= std::max<size_t>(2, k.size() / 4))
      os << " (did you mean '" << best << "'?)";
  }
  throw ConfigError(os.str());
}

std::string Config::to_toml() const {
  // Only basic "..." strings: toml++ 3.3 writes a string holding ''' as a '''literal''' that
  // it cannot parse back (found by fuzz/fuzz_config), so literal/multi-line forms are off.
  constexpr auto flags =
      toml::format_flags::allow_unicode_strings | toml::format_flags::allow_binary_integers |
      toml::format_flags::allow_octal_integers | toml::format_flags::allow_hexadecimal_integers |
      toml::format_flags::indentation;
  std::ostringstream os;
  os << toml::toml_formatter{state_->root, flags};
  return os.str();
}

}  // namespace nabla::io
