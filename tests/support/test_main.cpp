#include <gtest/gtest.h>

#include "nabla/core/parallel.hpp"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
