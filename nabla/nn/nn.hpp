// Everything in nabla::nn: modules, layers, initialisers (and losses).
#pragma once
#include "nabla/nn/activation.hpp"
#include "nabla/nn/container.hpp"
#include "nabla/nn/conv.hpp"
#include "nabla/nn/dropout.hpp"
#include "nabla/nn/graph.hpp"
#include "nabla/nn/init.hpp"
#include "nabla/nn/linear.hpp"
#include "nabla/nn/module.hpp"
#include "nabla/nn/normalization.hpp"
#include "nabla/nn/pooling.hpp"
#include "nabla/nn/regularize.hpp"
#include "nabla/nn/rnn.hpp"
// losses
#include "nabla/nn/loss.hpp"
