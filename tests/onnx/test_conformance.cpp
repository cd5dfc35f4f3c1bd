// ONNX's own node tests (Debian's libonnx-testdata): every case whose ops nabla supports must
// pass (rtol 1e-3, atol 1e-4). Cases that use a dtype, rank or attribute value nabla lacks count
// as skipped with the reason; the counts are printed.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "nabla/onnx/backend_test.hpp"
#include "nabla/onnx/tensor_io.hpp"

namespace nabla::onnx {
namespace {

namespace fs = std::filesystem;

TEST(OnnxConformance, EveryNodeTestOfTheSupportedOpsPasses) {
  const fs::path root = NABLA_ONNX_NODE_DATA;
  if (!fs::is_directory(root)) GTEST_SKIP() << root << " is missing (Debian's libonnx-testdata)";
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(root)) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  int passed = 0, failed = 0, skipped = 0, other_ops = 0;
  for (const auto& d : dirs) {
    if (!all_ops_supported(load_model_proto((d / "model.onnx").string()))) {
      ++other_ops;
      continue;
    }
    const CaseResult r = run_backend_case(d.string());
    if (d.filename() == "test_adam_multiple") {
      // A known upstream defect: its expected X's were made with epsilon 1e-2, but the node
      // carries no epsilon (so the default 1e-6 applies); ONNX's reference evaluator checks it
      // to 2 decimals. tests/optim/test_onnx_optimizers.cpp checks V and H to 1e-5.
      EXPECT_LT(r.max_abs_error, 1e-2) << d.filename() << ": " << r.message;
      continue;
    }
    if (r.status == CaseStatus::Pass) ++passed;
    if (r.status == CaseStatus::Unsupported) ++skipped;
    if (r.status == CaseStatus::Fail) {
      ++failed;
      ADD_FAILURE() << d.filename() << ": max abs error " << r.max_abs_error << "; " << r.message;
    }
  }
  std::cout << "onnx node tests: " << passed << " passed, " << failed << " failed, " << skipped
            << " skipped (dtype/attribute), " << other_ops << " use other ops\n";
  EXPECT_GT(passed, 150);  // the selection itself must not quietly shrink to nothing
}

}  // namespace
}  // namespace nabla::onnx
