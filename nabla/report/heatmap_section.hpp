// The classification report's "Convolutionalized: class heatmap" section (notes §9-1): the
// run's classifier with its Flatten + Linear head turned into convolutions, checked against the
// dense classifier on test images, then slid over a 112x112 scene of Fashion-MNIST test
// garments in one pass.
#pragma once
#include <cstdint>
#include <string>

#include "nabla/data/dataset.hpp"
#include "nabla/recipe/run.hpp"

namespace nabla::report {

inline constexpr int64_t kHeatmapSceneSize = 112;
// Scene 0 of this seed, the same on every machine (vision/scenes.hpp): reports of two runs
// show the same scene, so their heatmaps can be compared side by side.
inline constexpr uint64_t kHeatmapSceneSeed = 2024;

// The section's HTML. `test`: the run's test set, scaled as the model's inputs. When the model
// cannot be convolutionalized (a graph model, no Flatten + Linear tail) or no scene can be
// made (Fashion-MNIST not installed, inputs larger than the scene, not grey), the section says
// why in place of what is missing: a report never fails for want of a heatmap.
std::string heatmap_section(const recipe::LoadedRun& run, const data::TensorDataset& test);

}  // namespace nabla::report
