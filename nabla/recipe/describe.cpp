#include "nabla/recipe/describe.hpp"

#include <algorithm>
#include <sstream>
#include <vector>

#include "nabla/recipe/datasets.hpp"
#include "nabla/recipe/inits.hpp"
#include "nabla/recipe/layers.hpp"
#include "nabla/recipe/losses.hpp"
#include "nabla/recipe/models.hpp"
#include "nabla/recipe/optimizers.hpp"
#include "nabla/recipe/schedules.hpp"

namespace nabla::recipe {

namespace {

constexpr size_t kTextWidth = 100;

// Words, with "key = value" (and a [list]) kept as one unit so a line never breaks inside a key's
// default.
std::vector<std::string> wrap_units(const std::string& text) {
  std::istringstream words(text);
  std::vector<std::string> units;
  std::string word;
  bool glue = false;
  while (words >> word) {
    if (!units.empty() && (glue || word == "=")) {
      units.back() += " " + word;
    } else {
      units.push_back(word);
    }
    const std::string& u = units.back();
    glue = word == "=" || std::count(u.begin(), u.end(), '[') > std::count(u.begin(), u.end(), ']');
  }
  return units;
}

// Greedy wrap at kTextWidth; continuation lines start at column `indent`.
std::string wrap(const std::string& text, size_t indent) {
  std::string out;
  size_t column = indent;
  for (const std::string& unit : wrap_units(text)) {
    if (column > indent && column + 1 + unit.size() > kTextWidth) {
      out += '\n';
      out.append(indent, ' ');
      column = indent;
    } else if (column > indent) {
      out += ' ';
      ++column;
    }
    out += unit;
    column += unit.size();
  }
  return out;
}

std::string render_text(const RegistryListing& l) {
  size_t width = 0;
  for (const auto& [name, help] : l.entries) width = std::max(width, name.size());
  std::string out = l.where + ", one of:\n";
  for (const auto& [name, help] : l.entries) {
    out += "  " + name;
    if (!help.empty()) {
      out.append(width - name.size() + 2, ' ');
      out += wrap(help, width + 4);
    }
    out += "\n";
  }
  return out;
}

// A table cell: '|' would end the cell early.
std::string cell(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

std::string render_markdown(const RegistryListing& l) {
  std::string out =
      "`" + l.where + "`, one of:\n\n| " + l.what + " | description |\n| --- | --- |\n";
  for (const auto& [name, help] : l.entries) out += "| `" + name + "` | " + cell(help) + " |\n";
  return out;
}

}  // namespace

std::string render_listing(const RegistryListing& listing, ListFormat format) {
  return format == ListFormat::Markdown ? render_markdown(listing) : render_text(listing);
}

// The one list of registries, in the order a config reads them.
const std::vector<std::pair<std::string, RegistryListing (*)()>>& registry_kinds() {
  static const std::vector<std::pair<std::string, RegistryListing (*)()>> kinds{
      {"datasets", [] { return listing_of(datasets()); }},
      {"models", [] { return listing_of(models()); }},
      {"layers", [] { return listing_of(layer_types()); }},
      {"inits", [] { return listing_of(init_schemes()); }},
      {"optimizers", [] { return listing_of(optimizers()); }},
      {"schedules", [] { return listing_of(schedules()); }},
      {"losses", [] { return listing_of(losses()); }}};
  return kinds;
}

std::string describe_registries(const std::string& kind, ListFormat format) {
  std::string out, known;
  for (const auto& [name, listing] : registry_kinds()) {
    known += (known.empty() ? "" : ", ") + name;
    if (kind.empty() || kind == name)
      out += (out.empty() ? "" : "\n") + render_listing(listing(), format);
  }
  NABLA_CHECK(!out.empty(), "list", "unknown registry \"", kind, "\" (expected one of: ", known,
              ")");
  return out;
}

std::string describe_recipe_registries(ListFormat format) {
  return describe_registries("", format);
}

}  // namespace nabla::recipe
