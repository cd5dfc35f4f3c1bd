// Ensembles (notes, sections 4 and 7): several small nets whose combined vote beats each one.
//   bagging  - each member trains on a bootstrap sample (n draws with replacement) of the
//              training set; the ensemble averages the members' softmax probabilities.
//   boosting - AdaBoost.SAMME (Zhu et al. 2009), multi-class: member m trains on a sample
//              drawn with the current sample weights (re-sampling), its weighted training
//              error err_m gives alpha_m = log((1 - err_m) / err_m) + log(K - 1), and the
//              weights of the samples it got wrong grow by exp(alpha_m). The ensemble
//              predicts argmax_c sum_m alpha_m [member m predicts c].
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "nabla/io/config.hpp"
#include "nabla/train/trainer.hpp"

namespace nabla::recipe {

struct MemberResult {
  int64_t index = 0;                    // 1-based
  double test_acc = train::kNaN;        // the member alone
  double ensemble_acc = train::kNaN;    // members 1..index combined
  double alpha = 1;                     // vote weight (boosting), 1 for bagging
  double weighted_error = train::kNaN;  // boosting: weighted training error
  int64_t distinct_samples = 0;         // distinct training samples the member saw
  double seconds = 0;
};

struct EnsembleResult {
  std::string method;
  std::vector<MemberResult> members;
  double ensemble_acc = train::kNaN;  // all members
  double mean_member_acc = train::kNaN;
  double best_member_acc = train::kNaN;
  std::string stop_reason;  // boosting may stop early (a member no better than chance)
};

// method: "bagging" or "boosting". Members use the config's recipe with seeds seed+1.. .
EnsembleResult train_ensemble(const io::Config& cfg, const std::string& method, int64_t members,
                              std::ostream* log = nullptr);

}  // namespace nabla::recipe
