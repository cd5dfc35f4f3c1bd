// nabla export RUN --onnx OUT.onnx: a run folder's model as an ONNX file, checked by ONNX's
// checker. nabla onnx-run MODEL.onnx [--input NAME=FILE.pb]... [--output-dir DIR] [--repeat N]
// [--threads N]: runs a model.
// nabla onnx-test DIR...: runs ONNX backend-test folders and compares with their outputs.
// Built without libonnx-dev the three commands exist but say what to install.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>

#include "commands.hpp"
#include "nabla/core/parallel.hpp"
#ifdef NABLA_HAVE_ONNX
#include "nabla/autograd/node.hpp"
#include "nabla/onnx/onnx.hpp"
#endif
#include "nabla/recipe/imported_model.hpp"
#include "nabla/recipe/run.hpp"

namespace nabla::app {

CLI::App* add_export_command(CLI::App& app, ExportArgs& a) {
  auto* c = app.add_subcommand("export", "Export a run's model to ONNX (checked by onnx::checker)");
  c->add_option("run", a.run, "run folder (from nabla train)")->required();
  c->add_option("--onnx", a.onnx, "the .onnx file to write")->required();
  c->add_option("--opset", a.opset, "ONNX opset (13 to 17)")->check(int_range(13, 17));
  return c;
}

CLI::App* add_onnx_run_command(CLI::App& app, OnnxRunArgs& a) {
  auto* c = app.add_subcommand("onnx-run", "Run an ONNX model on TensorProto (.pb) inputs");
  c->add_option("model", a.model, "the .onnx file")->required();
  c->add_option("--input", a.inputs, "NAME=FILE.pb, one per graph input (repeatable)");
  c->add_option("--output-dir", a.output_dir, "write the outputs there as output_<i>.pb");
  c->add_option("--repeat", a.repeat,
                "after the first run, time N more and print their median (the first run pays "
                "for allocating buffers)")
      ->check(int_range(0, 1000));
  add_threads_option(c, a.threads);
  return c;
}

CLI::App* add_onnx_test_command(CLI::App& app, OnnxTestArgs& a) {
  auto* c = app.add_subcommand(
      "onnx-test",
      "Run ONNX backend-test folders (model.onnx + test_data_set_*/): PASS, FAIL, "
      "UNSUPPORTED per case; exit 1 on any failure");
  c->add_option("dirs", a.dirs, "test folders, e.g. /usr/share/libonnx-testdata/data/node/*")
      ->required();
  c->add_option("--rtol", a.rtol, "relative tolerance (1e-3)");
  c->add_option("--atol", a.atol, "absolute tolerance (1e-4)");
  return c;
}

#ifndef NABLA_HAVE_ONNX

namespace {
[[noreturn]] void no_onnx() {
  throw Error(
      "this nabla was built without ONNX support; install libonnx-dev and "
      "libprotobuf-dev (./nabla.sh deps) and rebuild");
}
}  // namespace
Outcome run_export_command(const ExportArgs&, const Context&) { no_onnx(); }
Outcome run_onnx_run_command(const OnnxRunArgs&, const Context&) { no_onnx(); }
Outcome run_onnx_test_command(const OnnxTestArgs&, const Context&) { no_onnx(); }
void install_onnx_model_loader() {}

#else

void install_onnx_model_loader() {
  recipe::set_onnx_model_loader([](const std::string& path) -> std::shared_ptr<nn::Module> {
    return onnx::OnnxModel::load(path);
  });
}

Outcome run_export_command(const ExportArgs& a, const Context&) {
  const recipe::LoadedRun run = recipe::load_run(a.run);
  run.net->eval();
  // a model imported from ONNX ([model] onnx = ...) goes back as its own graph, fine-tuned
  const auto* imported = dynamic_cast<const onnx::OnnxModel*>(run.net.get());
  const ::onnx::ModelProto m =
      imported != nullptr ? imported->to_proto()
                          : onnx::export_model(*run.net, run.input_shape, {.opset = a.opset});
  onnx::check_model(m);
  onnx::save_model_proto(m, a.onnx);
  std::cout << "exported " << a.run << " -> " << a.onnx << ": " << m.graph().node_size() << " ops, "
            << m.graph().initializer_size() << " initializers, opset "
            << (imported != nullptr ? imported->opset() : a.opset) << ", input N x "
            << shape_str(run.input_shape) << "\n"
            << "onnx checker: ok\n";
  return Outcome::Ok;
}

namespace {

std::map<std::string, Tensor> read_inputs(const onnx::OnnxModel& m,
                                          const std::vector<std::string>& specs) {
  std::map<std::string, Tensor> given;
  for (const auto& s : specs) {
    const auto eq = s.find('=');
    if (eq == std::string::npos) throw UsageError("--input wants NAME=FILE.pb, got '" + s + "'");
    given[s.substr(0, eq)] = onnx::load_tensor_pb(s.substr(eq + 1));
  }
  for (const auto& name : m.input_names())
    if (!given.count(name))
      throw UsageError("no --input for the model's input '" + name + "' (give --input " + name +
                       "=FILE.pb)");
  return given;
}

template <class F>
double timed_ms(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

Outcome run_onnx_run_command(const OnnxRunArgs& a, const Context&) {
  apply_threads(a.threads);
  const auto m = onnx::OnnxModel::load(a.model);
  const auto given = read_inputs(*m, a.inputs);
  autograd::NoGradGuard no_grad;  // inference: no graph kept for a backward pass
  std::vector<Tensor> outs;
  const double ms = timed_ms([&] { outs = m->run(given); });
  std::vector<double> more;
  for (int i = 0; i < a.repeat; ++i) more.push_back(timed_ms([&] { m->run(given); }));
  if (!a.output_dir.empty()) std::filesystem::create_directories(a.output_dir);
  for (size_t i = 0; i < outs.size(); ++i) {
    std::cout << "output " << i << " '" << m->output_names()[i]
              << "': " << dtype_name(outs[i].dtype()) << " " << shape_str(outs[i].shape());
    if (!a.output_dir.empty()) {
      const auto path =
          std::filesystem::path(a.output_dir) / ("output_" + std::to_string(i) + ".pb");
      onnx::save_tensor_pb(outs[i], path.string(), m->output_names()[i]);
      std::cout << " -> " << path.string();
    }
    std::cout << "\n";
  }
  std::cout << std::fixed << std::setprecision(2) << "ran " << m->num_nodes() << " ops in " << ms
            << " ms";
  if (!more.empty()) {
    std::sort(more.begin(), more.end());
    std::cout << "; median of " << more.size() << " more runs: " << more[more.size() / 2] << " ms";
  }
  std::cout << " (" << get_num_threads() << " thread(s))\n";
  return Outcome::Ok;
}

Outcome run_onnx_test_command(const OnnxTestArgs& a, const Context&) {
  int64_t passed = 0, failed = 0, skipped = 0;
  for (const auto& dir : a.dirs) {
    const auto r = onnx::run_backend_case(dir, {a.rtol, a.atol});
    // "DIR/" (a shell glob ending in /) names the folder too, not an empty filename
    const std::string name = (std::filesystem::path(dir) / "").parent_path().filename().string();
    if (r.status == onnx::CaseStatus::Pass) {
      ++passed;
      std::cout << "PASS " << name << " (max abs error " << r.max_abs_error << ")\n";
    } else if (r.status == onnx::CaseStatus::Fail) {
      ++failed;
      std::cout << "FAIL " << name << ": max abs error " << r.max_abs_error << "; " << r.message
                << "\n";
    } else {
      ++skipped;
      // the op, node and opset; the list of supported ops is for the error of a single run
      std::cout << "UNSUPPORTED " << name << ": "
                << r.message.substr(0, r.message.find("; nabla runs")) << "\n";
    }
  }
  std::cout << "onnx-test: " << passed << " passed, " << failed << " failed, " << skipped
            << " skipped\n"
            << std::flush;
  if (failed > 0) throw Error("onnx-test: " + std::to_string(failed) + " case(s) failed");
  return Outcome::Ok;
}

#endif

}  // namespace nabla::app
