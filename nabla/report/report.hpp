// `nabla report RUN`: one self-contained report.html (opens offline: charts are inline SVG,
// images are base64 PNG data URIs) with train vs validation loss and accuracy curves, the
// confusion matrix and per-class accuracy on the test set, a grid of test images with predicted
// and true labels, the worst mistakes (most confident wrong answers), the classifier
// convolutionalized into a class heatmap of a 112x112 scene, the config and timings.
// A segmentation run (`nabla segment train`) gets its own page instead (segment_report.hpp).
#pragma once
#include <string>

namespace nabla::report {

struct ReportOptions {
  int samples = -1;   // test images (classification: 32) or scenes (segmentation: 8) shown;
                      // -1: that default
  int mistakes = 16;  // worst mistakes shown
  std::string out;    // default <run>/report.html
};

// Returns the path written. Evaluates the run's model on its test set.
std::string write_report(const std::string& run_dir, const ReportOptions& options = {});

}  // namespace nabla::report
