// Padding of the last one to three dims, as torch.nn.functional.pad:
//   pads = {left, right}                         pads the last dim (W)
//   pads = {left, right, top, bottom}            the last two (H, W)
//   pads = {left, right, top, bottom, front, back}  the last three (D, H, W)
// Modes (x = 0 1 2 3, one pad of 2 on each side):
//   Constant   v v | 0 1 2 3 | v v     (any number of dims; pads >= 0)
//   Reflect    2 1 | 0 1 2 3 | 2 1     mirror without repeating the edge; pad < size
//   Replicate  0 0 | 0 1 2 3 | 3 3     repeat the edge
//   Circular   2 3 | 0 1 2 3 | 0 1     wrap around; pad <= size
// The leading dims (batch, channels) are kept, any number of them. Differentiable: the gradient
// of a padded element goes back to the element it was copied from (and adds up there).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "nabla/core/tensor.hpp"

namespace nabla {

enum class PadMode { Constant, Reflect, Replicate, Circular };

const char* pad_mode_name(PadMode mode);  // "constant", "reflect", "replicate", "circular"

Tensor pad(const Tensor& x, const std::vector<int64_t>& pads, PadMode mode, double value = 0);

}  // namespace nabla
