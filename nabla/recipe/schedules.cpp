#include "nabla/recipe/schedules.hpp"

#include <algorithm>
#include <cmath>

#include "nabla/core/error.hpp"

namespace nabla::recipe {

// Closed forms of the step index, not stateful schedulers: a resumed run recomputes exactly the
// rates the uninterrupted run used.
train::LrSchedule schedule_from_config(const io::Config& s, double base_lr, int64_t epochs) {
  const std::string name = s.get_string("name", "none");
  if (name == "none") return {};
  const double min_lr = s.get_double("min_lr", 0.0);
  if (name == "cosine" || name == "warmup_cosine") {
    const double warmup = name == "warmup_cosine" ? s.get_double("warmup_epochs", 1.0) : 0.0;
    NABLA_CHECK(warmup >= 0, "schedule.warmup_epochs", "must be >= 0, got ", warmup);
    return [=](int64_t step, int64_t spe) {
      const double total = static_cast<double>(std::max<int64_t>(1, epochs * spe));
      const double warm = warmup * static_cast<double>(spe);
      const double t = static_cast<double>(step);
      if (t < warm) return base_lr * (t + 1) / warm;
      const double progress = std::min(1.0, (t - warm) / std::max(1.0, total - warm));
      return min_lr + (base_lr - min_lr) * 0.5 * (1 + std::cos(M_PI * progress));
    };
  }
  if (name == "step") {
    const int64_t step_epochs = s.get_int("step_epochs");
    const double gamma = s.get_double("gamma", 0.1);
    NABLA_CHECK(step_epochs > 0, "schedule.step_epochs", "must be positive, got ", step_epochs);
    return [=](int64_t step, int64_t spe) {
      return base_lr * std::pow(gamma, static_cast<double>((step / spe) / step_epochs));
    };
  }
  NABLA_CHECK(false, "schedule.name", "unknown schedule \"", name,
              "\" (expected none, cosine, warmup_cosine or step)");
  return {};
}

}  // namespace nabla::recipe
