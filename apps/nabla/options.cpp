// Flag validation shared by the subcommands. CLI11's PositiveNumber/NonNegativeNumber print
// their range as doubles ("[2.22507e-308 - 1.79769e+308]", or 309 digits), so integer flags
// get a validator that says the range a person would write.
#include <cerrno>
#include <cstdlib>

#include "commands.hpp"
#include "nabla/core/parallel.hpp"

namespace nabla::app {

CLI::Validator int_range(int64_t lo, int64_t hi) {
  const std::string range = hi == kNoLimit
                                ? ">= " + std::to_string(lo)
                                : "between " + std::to_string(lo) + " and " + std::to_string(hi);
  return CLI::Validator(
      [lo, hi, range](std::string& s) -> std::string {
        errno = 0;
        char* end = nullptr;
        const long long v = std::strtoll(s.c_str(), &end, 10);
        if (s.empty() || *end != '\0' || errno == ERANGE || v < lo || v > hi)
          return "must be a whole number " + range + ", got " + s;
        return "";
      },
      "INT " + range);
}

CLI::Option* add_threads_option(CLI::App* c, int& threads) {
  return c
      ->add_option("--threads", threads,
                   "CPU threads, 1 to " + std::to_string(kMaxThreads) + " (default: all cores)")
      ->check(int_range(1, kMaxThreads));
}

void apply_threads(int n) {
  if (n > 0) set_num_threads(n);
}

}  // namespace nabla::app
