// Everything a user needs in one include: `#include "nabla/nabla.hpp"`.
#pragma once
#include "nabla/ops/ops.hpp"
#if __has_include("nabla/nn/nn.hpp")
#include "nabla/nn/nn.hpp"
#endif
#if __has_include("nabla/optim/optim.hpp")
#include "nabla/optim/optim.hpp"
#endif
#if __has_include("nabla/data/data.hpp")
#include "nabla/data/data.hpp"
#endif
#include "nabla/io/safetensors.hpp"
#if __has_include("nabla/train/train.hpp")
#include "nabla/train/train.hpp"
#endif
