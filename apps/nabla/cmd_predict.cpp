// nabla predict RUN IMAGE...: class name and probability for each image file.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <numeric>

#include "commands.hpp"
#include "nabla/data/image.hpp"
#include "nabla/ops/shape.hpp"
#include "nabla/recipe/run.hpp"
#include "nabla/train/evaluate.hpp"

namespace nabla::app {

CLI::App* add_predict_command(CLI::App& app, PredictArgs& a) {
  auto* c = app.add_subcommand("predict",
                               "Classify image files (PNG, JPEG, BMP, PGM) with a run's model");
  c->add_option("run", a.run, "run folder written by `nabla train`")->required();
  c->add_option("images", a.images, "image files")->required();
  c->add_option("--top", a.top, "show the K most likely classes")->check(int_range(1, 1000));
  c->add_option("--invert", a.invert,
                "invert light-background photos to Fashion-MNIST's light-on-black: auto, yes or no")
      ->check(CLI::IsMember({"auto", "yes", "no"}));
  return c;
}

Outcome run_predict_command(const PredictArgs& a, const Context&) {
  recipe::LoadedRun run = recipe::load_run(a.run);
  NABLA_CHECK(run.input_shape.size() == 3, "predict", "this run's model takes ",
              shape_str(run.input_shape), " inputs, not images");
  data::ImageOptions io;
  io.height = run.input_shape[1];
  io.width = run.input_shape[2];
  io.grayscale = run.input_shape[0] == 1;
  io.invert = a.invert == "yes"  ? data::ImageOptions::Invert::Yes
              : a.invert == "no" ? data::ImageOptions::Invert::No
                                 : data::ImageOptions::Invert::Auto;
  const std::string model_input = std::to_string(io.width) + "x" + std::to_string(io.height) +
                                  (io.grayscale ? " grayscale" : " RGB");
  for (const auto& path : a.images) {
    data::ImageInfo info;
    Tensor img = data::load_image(path, io, &info);  // (C, H, W) in [0, 1]
    // Converting is what a user of a Fashion-MNIST model wants for a photo, but never silently:
    // a note on stderr says what the model was actually shown.
    const bool same_channels = info.channels == (io.grayscale ? 1 : 3);
    if (info.height != io.height || info.width != io.width || !same_channels) {
      std::cerr << "note: " << path << " is " << data::describe(info)
                << "; converted to the model's " << model_input << " input"
                << (info.inverted ? " (and inverted to light-on-dark)" : "") << "\n";
    }
    Tensor x = recipe::apply_input_scale(unsqueeze(img, 0), run.scale);
    const std::vector<float> p = train::predict_proba(*run.net, x).to_vector<float>();
    std::vector<int64_t> order(p.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int64_t i, int64_t j) { return p[i] > p[j]; });
    std::cout << path << ":";
    for (int k = 0; k < std::min<int>(a.top, static_cast<int>(p.size())); ++k) {
      const int64_t c = order[k];
      char buf[160];
      std::snprintf(buf, sizeof buf, " %s %.4f",
                    c < static_cast<int64_t>(run.class_names.size()) ? run.class_names[c].c_str()
                                                                     : std::to_string(c).c_str(),
                    p[c]);
      std::cout << (k ? "," : "") << buf;
    }
    std::cout << "\n";
  }
  return Outcome::Ok;
}

}  // namespace nabla::app
