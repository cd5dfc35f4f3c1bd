# ONNX conformance node tests of the training optimizers (tests/optim/test_onnx_optimizers.cpp):
# they read model.onnx and the input/output .pb files with Debian's libonnx-dev + libprotobuf-dev.
# Include this from tests/CMakeLists.txt after nabla_layer_tests(optim nabla_optim). Without it
# that test file compiles to a single skipped test.
find_path(NABLA_ONNX_INCLUDE onnx/onnx_pb.h)
find_library(NABLA_ONNX_PROTO_LIB onnx_proto)
find_library(NABLA_PROTOBUF_LIB protobuf)
if(TARGET test_optim AND NABLA_ONNX_INCLUDE AND NABLA_ONNX_PROTO_LIB AND NABLA_PROTOBUF_LIB)
  target_include_directories(test_optim PRIVATE ${NABLA_ONNX_INCLUDE})
  target_link_libraries(test_optim PRIVATE ${NABLA_ONNX_PROTO_LIB} ${NABLA_PROTOBUF_LIB})
  target_compile_definitions(test_optim PRIVATE NABLA_HAVE_ONNX=1 ONNX_ML=1 ONNX_NAMESPACE=onnx
                             NABLA_ONNX_NODE_DATA="/usr/share/libonnx-testdata/data/node")
endif()
