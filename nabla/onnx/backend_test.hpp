// ONNX backend-test folders (model.onnx + test_data_set_*/input_*.pb, output_*.pb), as in
// onnx/backend/test/data/node and Debian's libonnx-testdata: run the model on every data set
// and compare with the expected outputs, |got - want| <= atol + rtol |want| (NaN matches NaN).
#pragma once
#include <set>
#include <string>

#include "nabla/onnx/proto.hpp"

namespace nabla::onnx {

enum class CaseStatus { Pass, Fail, Unsupported };

struct CaseResult {
  CaseStatus status = CaseStatus::Pass;
  double max_abs_error = 0;  // over all outputs and data sets
  std::string message;       // Fail / Unsupported: why
};

struct Tolerance {
  double rtol = 1e-3, atol = 1e-4;
};

CaseResult run_backend_case(const std::string& dir, Tolerance tol = {});

// The op types of a model's graph, and whether nabla runs them all (selects the conformance
// cases whose failures are nabla's bugs).
std::set<std::string> model_op_types(const ::onnx::ModelProto& model);
bool all_ops_supported(const ::onnx::ModelProto& model);

}  // namespace nabla::onnx
