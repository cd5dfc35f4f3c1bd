// nabla: the command-line program. The only place that reads argv, the environment and the
// terminal, installs the Ctrl-C handler and picks exit codes:
//   0 success, 1 error (bad config, bad value, run folder in use), 2 bad command line (CLI11's
//   parse errors and UsageError), 3 training diverged, 4 missing, unreadable or corrupt file or
//   run folder (IoError), 130 stopped by Ctrl-C (after saving a checkpoint).
// tests/apps/test_cli_exit_codes.cpp checks every code.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <vector>

#include "commands.hpp"
#include "nabla/core/error.hpp"

namespace {

std::atomic<bool> g_stop{false};

// First Ctrl-C: ask the trainer to checkpoint and stop at the next step. Second: exit now.
extern "C" void on_sigint(int) {
  if (g_stop.exchange(true)) _exit(130);
}

// Errors are one line on stderr: a multi-line library message (a list of unknown config
// keys, say) is joined with "; ".
int fail(int code, const std::string& message) {
  std::string line;
  bool pending_sep = false;
  for (size_t i = 0; i < message.size(); ++i) {
    const char c = message[i];
    if (c == '\n') {
      pending_sep = true;
      continue;
    }
    if (pending_sep) {
      while (i < message.size() && message[i] == ' ') ++i;
      if (i >= message.size()) break;
      if (!line.empty() && line.back() != ':') line += ";";
      line += ' ';
      pending_sep = false;
    }
    line += message[i];
  }
  std::cerr << "nabla: " << line << std::endl;
  return code;
}

}  // namespace

// OpenMP's default barrier wait spins; on a 2-core machine with any third busy process a
// 2-thread step then waits whole scheduler slices (LeNet step 4 ms -> 120 ms, measured with
// bench/compare_train.sh). The policy is read when libgomp loads, so it can only be set by
// starting the program again with it in the environment. A user's own setting wins.
void use_passive_omp_wait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;
  setenv("OMP_WAIT_POLICY", "passive", 1);
  execv("/proc/self/exe", argv);  // returns only on failure: carry on with the default policy
}

constexpr const char* kFooter =
    "Examples:\n"
    "  nabla train configs/lenet_fashion.toml --epochs 5 --out runs/lenet\n"
    "  nabla eval runs/lenet        nabla predict runs/lenet shirt.png\n"
    "  nabla report runs/lenet      (writes runs/lenet/report.html)\n"
    "  nabla compare runs/gd_per_sample runs/gd_mini_batch runs/gd_full_batch\n"
    "  nabla cv configs/mlp_fashion.toml --folds 5\n"
    "  nabla ensemble configs/mlp_fashion.toml --method bagging --members 5\n"
    "  nabla demo optimizers\n"
    "  nabla summary configs/resnet_fashion.toml   (layers, shapes, parameters, FLOPs)\n"
    "  nabla list layers            (what a config can name: layers, optimizers, losses, ...)\n"
    "  nabla scenes --out runs/scenes --count 500 --split test\n"
    "  nabla heatmap runs/lenet runs/scenes/scene_00000.png --out heat.png\n"
    "Exit codes: 0 ok, 1 error (bad config or value), 2 bad command line, 3 training diverged,\n"
    "4 missing, unreadable or corrupt file, 130 stopped by Ctrl-C (a checkpoint was saved;\n"
    "continue with --resume).";

namespace {

using namespace nabla::app;

// One subcommand: its CLI11 node and how to run it with the flags CLI11 parsed into its Args.
struct Command {
  CLI::App* cli;
  std::function<Outcome(const Context&)> run;
};

template <class Args>
Command make_command(CLI::App& app, CLI::App* (*add)(CLI::App&, Args&),
                     Outcome (*run)(const Args&, const Context&)) {
  auto args = std::make_shared<Args>();  // lives as long as the closure that runs it
  CLI::App* cli = add(app, *args);
  return {cli, [args, run](const Context& ctx) { return run(*args, ctx); }};
}

// Every subcommand, in --help order; the first is train (the only one Ctrl-C stops gracefully).
std::vector<Command> register_commands(CLI::App& app) {
  return {make_command(app, add_train_command, run_train_command),
          make_command(app, add_eval_command, run_eval_command),
          make_command(app, add_predict_command, run_predict_command),
          make_command(app, add_cv_command, run_cv_command),
          make_command(app, add_ensemble_command, run_ensemble_command),
          make_command(app, add_report_command, run_report_command),
          make_command(app, add_compare_command, run_compare_command),
          make_command(app, add_demo_command, run_demo_command),
          make_command(app, add_summary_command, run_summary_command),
          make_command(app, add_list_command, run_list_command),
          make_command(app, add_scenes_command, run_scenes_command),
          make_command(app, add_heatmap_command, run_heatmap_command),
          make_command(app, add_export_command, run_export_command),
          make_command(app, add_onnx_run_command, run_onnx_run_command),
          make_command(app, add_onnx_test_command, run_onnx_test_command),
          make_command(app, add_segment_command, run_segment_command)};
}

// Runs the parsed subcommand (or prints help) and maps what it throws to an exit code.
int run_parsed(const std::vector<Command>& commands, const Context& ctx, const CLI::App& app) {
  try {
    for (const Command& c : commands)
      if (c.cli->parsed()) return c.run(ctx) == Outcome::Interrupted ? 130 : 0;
    std::cout << app.help();
    return 0;
  } catch (const nabla::train::DivergedError& e) {
    return fail(3, e.what());
  } catch (const UsageError& e) {
    return fail(2, std::string(e.what()) + " (see nabla --help)");
  } catch (const nabla::IoError& e) {
    return fail(4, e.what());
  } catch (const nabla::Error& e) {
    return fail(1, e.what());
  } catch (const std::bad_alloc&) {
    return fail(1, "out of memory");
  } catch (const std::exception& e) {
    return fail(1, std::string("internal error: ") + e.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
  use_passive_omp_wait(argv);
  CLI::App app{"nabla: train, evaluate and inspect neural networks (Fashion-MNIST and more)",
               "nabla"};
  app.set_version_flag("--version", std::string("nabla ") + NABLA_VERSION);
  app.require_subcommand(0, 1);
  app.footer(kFooter);
  const std::vector<Command> commands = register_commands(app);
  install_onnx_model_loader();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return fail(2, std::string(e.what()) + " (see nabla --help)");
  }

  Context ctx;
  ctx.progress =
      isatty(STDERR_FILENO) ? nabla::train::ProgressMode::Bar : nabla::train::ProgressMode::Lines;
  ctx.stop_flag = &g_stop;
  // Only training stops gracefully (checkpoint, then exit 130); elsewhere Ctrl-C just ends it.
  if (commands.front().cli->parsed()) std::signal(SIGINT, on_sigint);
  return run_parsed(commands, ctx, app);
}
