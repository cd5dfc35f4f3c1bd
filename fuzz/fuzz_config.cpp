// libFuzzer: TOML text -> parse_config; a parsed document must serialise to TOML that parses
// back to the same text (checkpoints store configs this way). The first line is also tried as
// a --set override on the parsed document, whose result must read back as well.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "nabla/core/error.hpp"
#include "nabla/io/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  nabla::io::Config cfg;
  try {
    cfg = nabla::io::parse_config(text, "fuzz.toml");
  } catch (const nabla::Error&) {
    return 0;  // rejected cleanly
  }
  const std::string out = cfg.to_toml();
  try {
    const nabla::io::Config back = nabla::io::parse_config(out, "roundtrip.toml");
    if (back.to_toml() != out) {
      std::fprintf(stderr, "round trip changed the document:\n%s\n---\n%s\n", out.c_str(),
                   back.to_toml().c_str());
      std::abort();
    }
  } catch (const nabla::Error& e) {
    std::fprintf(stderr, "serialised config does not parse: %s\n%s\n", e.what(), out.c_str());
    std::abort();
  }
  try {
    // Quoted keys may hold '.' or '[' and so not read back as paths; that throws, cleanly.
    for (const std::string& k : cfg.unused_keys()) (void)cfg.has(k);
  } catch (const nabla::Error&) {
  }
  try {
    cfg.apply_override(text.substr(0, text.find('\n')));
  } catch (const nabla::Error&) {
    return 0;
  }
  // An accepted override must leave a document that still reads back (checkpoints store it).
  const std::string after = cfg.to_toml();
  try {
    (void)nabla::io::parse_config(after, "override.toml");
  } catch (const nabla::Error& e) {
    std::fprintf(stderr, "config after --set does not parse: %s\n%s\n", e.what(), after.c_str());
    std::abort();
  }
  return 0;
}
