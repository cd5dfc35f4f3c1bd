// The differentiable functional API in one include.
#pragma once
#include "nabla/autograd/gradcheck.hpp"
#include "nabla/autograd/node.hpp"
#include "nabla/core/parallel.hpp"
#include "nabla/core/tensor.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/matmul.hpp"
#include "nabla/ops/reduce.hpp"
#include "nabla/ops/shape.hpp"
#if __has_include("nabla/ops/conv.hpp")
#include "nabla/ops/conv.hpp"
#endif
#if __has_include("nabla/ops/pool.hpp")
#include "nabla/ops/pool.hpp"
#endif
