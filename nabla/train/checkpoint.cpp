#include "nabla/train/checkpoint.hpp"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

namespace nabla::train {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {
constexpr const char* kFormat = "nabla-checkpoint-1";
constexpr const char* kModelPrefix = "model.";
constexpr const char* kOptimPrefix = "optim.";

// NaN is not JSON; store it as null.
json num(double v) { return std::isnan(v) ? json(nullptr) : json(v); }
double num(const json& j) { return j.is_null() ? kNaN : j.get<double>(); }

json history_to_json(const History& h) {
  json epochs = json::array();
  for (const auto& e : h.epochs) {
    epochs.push_back({{"epoch", e.epoch},
                      {"train_loss", num(e.train_loss)},
                      {"train_acc", num(e.train_acc)},
                      {"val_loss", num(e.val_loss)},
                      {"val_acc", num(e.val_acc)},
                      {"lr", num(e.lr)},
                      {"seconds", e.seconds},
                      {"eval_seconds", e.eval_seconds},
                      {"images_per_s", e.images_per_s}});
  }
  return {{"epochs", epochs},
          {"best_epoch", h.best_epoch},
          {"best_val_loss", num(h.best_val_loss)},
          {"stopped_early", h.stopped_early}};
}

History history_from_json(const json& j) {
  History h;
  for (const auto& e : j.at("epochs")) {
    EpochMetrics m;
    m.epoch = e.at("epoch").get<int64_t>();
    m.train_loss = num(e.at("train_loss"));
    m.train_acc = num(e.at("train_acc"));
    m.val_loss = num(e.at("val_loss"));
    m.val_acc = num(e.at("val_acc"));
    m.lr = num(e.at("lr"));
    m.seconds = e.at("seconds").get<double>();
    m.eval_seconds = e.at("eval_seconds").get<double>();
    m.images_per_s = e.at("images_per_s").get<double>();
    h.epochs.push_back(m);
  }
  h.best_epoch = j.at("best_epoch").get<int64_t>();
  h.best_val_loss = num(j.at("best_val_loss"));
  h.stopped_early = j.at("stopped_early").get<bool>();
  return h;
}

json loop_to_json(const LoopState& s) {
  return {{"epochs_done", s.epochs_done}, {"step_in_epoch", s.step_in_epoch},
          {"global_step", s.global_step}, {"loss_sum", s.loss_sum},
          {"correct", s.correct},         {"images", s.images},
          {"elapsed", s.elapsed},         {"default_rng", s.default_rng},
          {"noise_rng", s.noise_rng}};
}

LoopState loop_from_json(const json& j) {
  LoopState s;
  s.epochs_done = j.at("epochs_done").get<int64_t>();
  s.step_in_epoch = j.at("step_in_epoch").get<int64_t>();
  s.global_step = j.at("global_step").get<int64_t>();
  s.loss_sum = j.at("loss_sum").get<double>();
  s.correct = j.at("correct").get<int64_t>();
  s.images = j.at("images").get<int64_t>();
  s.elapsed = j.at("elapsed").get<double>();
  s.default_rng = j.at("default_rng").get<std::string>();
  s.noise_rng = j.at("noise_rng").get<std::string>();
  return s;
}

Checkpoint info_from_meta(const io::Metadata& meta, const std::string& path) {
  auto get = [&](const char* key) -> const std::string& {
    auto it = meta.find(key);
    if (it == meta.end())
      throw IoError(path + ": not a nabla checkpoint (no '" + key + "' metadata)");
    return it->second;
  };
  if (get("format") != kFormat) {
    throw IoError(path + ": unsupported checkpoint format '" + get("format") + "' (expected " +
                  kFormat + ")");
  }
  Checkpoint c;
  try {
    c.history = history_from_json(json::parse(get("history")));
    c.loop = loop_from_json(json::parse(get("loop")));
  } catch (const json::exception& e) {
    throw IoError(path + ": corrupt trainer state in checkpoint (" + e.what() + ")");
  }
  auto it = meta.find("config");
  if (it != meta.end()) c.config_text = it->second;
  return c;
}
// Runs a state-dict load and puts the file's name in front of its error: "checkpoint.safetensors:
// missing key 'fc1.weight'" tells the user which file does not fit the config.
template <class F>
void naming_file(const std::string& path, F&& load) {
  try {
    load();
  } catch (const IoError& e) {
    throw IoError(path + ": " + e.what());
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
}
}  // namespace

io::TensorMap read_tensors(const std::string& path, io::Metadata* meta) {
  io::TensorMap m = io::load_safetensors(path, meta);
  for (const auto& [name, t] : m) {
    if (t.dtype() != DType::Float32 && t.dtype() != DType::Float64) continue;
    int64_t bad = 0, first = -1;
    const int64_t n = t.numel();
    for (int64_t i = 0; i < n; ++i) {
      const double v = t.dtype() == DType::Float32 ? static_cast<const float*>(t.raw_data())[i]
                                                   : static_cast<const double*>(t.raw_data())[i];
      if (!std::isfinite(v)) {
        if (first < 0) first = i;
        ++bad;
      }
    }
    if (bad > 0)
      throw IoError(path + ": tensor '" + name + "' holds " + std::to_string(bad) +
                    " NaN/Inf value" + (bad > 1 ? "s" : "") + " (first at element " +
                    std::to_string(first) +
                    "); the file is corrupt or was saved from a diverged model");
  }
  return m;
}

std::string join_path(const std::string& dir, const std::string& file) {
  return (fs::path(dir) / file).string();
}

bool file_exists(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

void save_model(const nn::Module& net, const std::string& path, const io::Metadata& meta) {
  io::save_safetensors(path, net.state_dict(), meta);
}

void load_model(nn::Module& net, const std::string& path, io::Metadata* meta) {
  io::Metadata local;
  io::Metadata& md = meta != nullptr ? *meta : local;
  io::TensorMap m = read_tensors(path, &md);
  // A checkpoint holds "model."-prefixed weights next to optimizer state; a model file does not.
  const bool is_checkpoint = md.count("format") > 0 && md.at("format") == kFormat;
  if (is_checkpoint) {
    io::TensorMap w;
    for (auto& [k, v] : m)
      if (k.rfind(kModelPrefix, 0) == 0) w.emplace(k.substr(std::strlen(kModelPrefix)), v);
    m.swap(w);
  }
  naming_file(path, [&] { net.load_state_dict(m, /*strict=*/true); });
}

int64_t load_matching(nn::Module& net, const std::string& path) {
  io::Metadata md;
  const io::TensorMap m = read_tensors(path, &md);
  const bool is_checkpoint = md.count("format") > 0 && md.at("format") == kFormat;
  const std::string prefix = is_checkpoint ? kModelPrefix : "";
  nn::StateDict picked;
  for (const auto& [k, v] : net.state_dict()) {
    const auto it = m.find(prefix + k);
    if (it != m.end() && it->second.shape() == v.shape()) picked.emplace(k, it->second);
  }
  naming_file(path, [&] { net.load_state_dict(picked, /*strict=*/false); });
  return static_cast<int64_t>(picked.size());
}

void save_checkpoint(const std::string& path, const nn::Module& net, const optim::Optimizer& opt,
                     const Checkpoint& ckpt) {
  io::TensorMap tensors;
  for (auto& [k, v] : net.state_dict()) tensors.emplace(kModelPrefix + k, v);
  for (auto& [k, v] : opt.state_dict()) tensors.emplace(kOptimPrefix + k, v);
  io::Metadata meta;
  meta["format"] = kFormat;
  meta["optimizer"] = opt.name();
  meta["history"] = history_to_json(ckpt.history).dump();
  meta["loop"] = loop_to_json(ckpt.loop).dump();
  if (!ckpt.config_text.empty()) meta["config"] = ckpt.config_text;
  io::save_safetensors(path, tensors, meta);
}

Checkpoint load_checkpoint(const std::string& path, nn::Module& net, optim::Optimizer& opt) {
  io::Metadata meta;
  io::TensorMap m = read_tensors(path, &meta);
  Checkpoint c = info_from_meta(meta, path);
  auto it = meta.find("optimizer");
  NABLA_CHECK(it != meta.end() && it->second == opt.name(), "resume", path,
              " was written by optimizer '", it == meta.end() ? std::string("?") : it->second,
              "' but this run uses '", opt.name(), "'");
  nn::StateDict model;
  optim::StateDict optim_state;
  for (auto& [k, v] : m) {
    if (k.rfind(kModelPrefix, 0) == 0)
      model.emplace(k.substr(std::strlen(kModelPrefix)), v);
    else if (k.rfind(kOptimPrefix, 0) == 0)
      optim_state.emplace(k.substr(std::strlen(kOptimPrefix)), v);
  }
  // The optimizer's options (lr, momentum, betas, ...) stay the ones it was built with, i.e.
  // the resumed run's config after --set: the checkpoint supplies only its state (moments,
  // step counts). Otherwise `--resume --set optimizer.lr=...` would record one rate and train
  // with another.
  std::vector<std::vector<std::pair<std::string, double>>> options;
  for (size_t g = 0; g < opt.num_param_groups(); ++g) options.push_back(opt.group_options(g));
  naming_file(path, [&] {
    net.load_state_dict(model, /*strict=*/true);
    opt.load_state_dict(optim_state);
    for (size_t g = 0; g < options.size(); ++g) opt.set_group_options(g, options[g]);
  });
  return c;
}

Checkpoint read_checkpoint_info(const std::string& path) {
  io::Metadata meta;
  io::load_safetensors(path, &meta);
  return info_from_meta(meta, path);
}

}  // namespace nabla::train
