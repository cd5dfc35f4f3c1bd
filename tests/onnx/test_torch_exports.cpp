// Models PyTorch 1.13 exports with the ops beyond the basics (scripts/fixtures/
// make_onnx_torch_ops.py: Resize/Upsample, TopK, Gather, Einsum, the losses, ScatterElements,
// Expand, PRelu/Selu/Softplus, InstanceNormalization and group norm, ReduceProd, opsets 9 to 17)
// import and agree with PyTorch's own outputs at the backend-test tolerances.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "nabla/onnx/backend_test.hpp"

namespace nabla::onnx {
namespace {

namespace fs = std::filesystem;

TEST(OnnxTorchExports, EveryExportedModelMatchesPyTorch) {
  const fs::path root = fs::path(NABLA_FIXTURES) / "onnx_torch_ops";
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(root)) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  for (const auto& d : dirs) {
    const CaseResult r = run_backend_case(d.string());
    EXPECT_EQ(r.status, CaseStatus::Pass)
        << d.filename() << ": max abs error " << r.max_abs_error << "; " << r.message;
  }
  EXPECT_EQ(dirs.size(), 44u);  // the script's cases; none may go missing
}

}  // namespace
}  // namespace nabla::onnx
