#include "nabla/onnx/backend_test.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "nabla/onnx/model.hpp"
#include "nabla/onnx/ops.hpp"
#include "nabla/onnx/tensor_io.hpp"

namespace nabla::onnx {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> sorted_matching(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path());
  // input_10 after input_9: by length, then by name
  std::sort(out.begin(), out.end(), [](const fs::path& a, const fs::path& b) {
    const auto sa = a.filename().string(), sb = b.filename().string();
    return sa.size() != sb.size() ? sa.size() < sb.size() : sa < sb;
  });
  return out;
}

// Max |got - want| and whether every element is within tolerance.
std::pair<double, bool> compare(const Tensor& got, const Tensor& want, Tolerance tol) {
  const auto g = got.to_vector<double>(), w = want.to_vector<double>();
  double worst = 0;
  bool ok = true;
  for (size_t i = 0; i < g.size(); ++i) {
    if (std::isnan(g[i]) || std::isnan(w[i])) {
      ok = ok && std::isnan(g[i]) && std::isnan(w[i]);
      continue;
    }
    if (g[i] == w[i]) continue;  // equal infinities
    const double d = std::abs(g[i] - w[i]);
    worst = std::max(worst, d);
    ok = ok && d <= tol.atol + tol.rtol * std::abs(w[i]);
  }
  return {worst, ok};
}

// One data set: Fail with a message, or Pass; max error accumulated into r.
void run_data_set(const OnnxModel& m, const ::onnx::GraphProto& g, const fs::path& set,
                  Tolerance tol, CaseResult& r) {
  std::vector<Tensor> inputs;
  for (const auto& p : sorted_matching(set, "input_")) {
    const auto i = static_cast<int>(inputs.size());
    inputs.push_back(
        load_tensor_pb(p, i < g.input_size() ? g.input(i).type().tensor_type().elem_type() : 0));
  }
  const std::vector<Tensor> outs = m.run(inputs);
  const auto wanted = sorted_matching(set, "output_");
  if (wanted.size() != outs.size()) {
    r.status = CaseStatus::Fail;
    r.message = "expected " + std::to_string(wanted.size()) + " outputs, got " +
                std::to_string(outs.size());
    return;
  }
  for (size_t i = 0; i < outs.size(); ++i) {
    const int type = static_cast<int>(i) < g.output_size()
                         ? g.output(static_cast<int>(i)).type().tensor_type().elem_type()
                         : 0;
    const Tensor want = load_tensor_pb(wanted[i], type);
    if (want.shape() != outs[i].shape()) {
      r.status = CaseStatus::Fail;
      r.message = "output " + std::to_string(i) + ": shape " + shape_str(outs[i].shape()) +
                  ", expected " + shape_str(want.shape());
      return;
    }
    const auto [err, ok] = compare(outs[i], want, tol);
    r.max_abs_error = std::max(r.max_abs_error, err);
    if (!ok) {
      r.status = CaseStatus::Fail;
      r.message = "output " + std::to_string(i) + " differs";
    }
  }
}

}  // namespace

CaseResult run_backend_case(const std::string& dir, Tolerance tol) {
  CaseResult r;
  try {
    const auto proto = load_model_proto((fs::path(dir) / "model.onnx").string());
    const OnnxModel m(proto);
    const auto sets = sorted_matching(dir, "test_data_set_");
    if (sets.empty()) throw IoError(dir + ": no test_data_set_* folder");
    for (const auto& set : sets) run_data_set(m, proto.graph(), set, tol, r);
  } catch (const Unsupported& e) {
    r.status = CaseStatus::Unsupported;
    r.message = e.what();
  } catch (const Error& e) {
    r.status = CaseStatus::Fail;
    r.message = e.what();
  }
  return r;
}

std::set<std::string> model_op_types(const ::onnx::ModelProto& model) {
  std::set<std::string> ops;
  for (const auto& n : model.graph().node()) ops.insert(n.op_type());
  return ops;
}

bool all_ops_supported(const ::onnx::ModelProto& model) {
  const auto& nodes = model.graph().node();
  return std::all_of(nodes.begin(), nodes.end(), [](const ::onnx::NodeProto& n) {
    const OpTable* t = domain_op_table(n.domain());
    return t != nullptr && t->count(n.op_type()) != 0;
  });
}

}  // namespace nabla::onnx
