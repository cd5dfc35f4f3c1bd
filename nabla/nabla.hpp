// Everything a user needs in one include: `#include "nabla/nabla.hpp"`.
#pragma once
#include "nabla/data/data.hpp"
#include "nabla/io/config.hpp"
#include "nabla/io/safetensors.hpp"
#include "nabla/nn/loss.hpp"
#include "nabla/nn/nn.hpp"
#include "nabla/ops/ops.hpp"
#include "nabla/optim/optim.hpp"
#include "nabla/train/rbm.hpp"
#include "nabla/train/train.hpp"
