# `cmake --install build --prefix P` puts nabla where another CMake project finds it with
# find_package(nabla REQUIRED) and links nabla::nabla:
#   P/include/nabla/...                     the headers, same layout as the source tree
#   P/lib/libnabla_*.a                      one static library per layer
#   P/lib/cmake/nabla/nablaConfig.cmake     + nablaConfigVersion.cmake + nablaTargets*.cmake
#   P/bin/nabla                             the command-line program (when built)
# tests/install/downstream.cmake builds and runs examples/downstream against such a prefix.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(NABLA_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/nabla)

install(TARGETS ${NABLA_LIBRARY_TARGETS} EXPORT nablaTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${NABLA_ROOT}/nabla/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/nabla
        FILES_MATCHING PATTERN "*.hpp")
if(TARGET nabla_cli)
  install(TARGETS nabla_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

install(EXPORT nablaTargets NAMESPACE nabla:: DESTINATION ${NABLA_CMAKE_DIR})
set(NABLA_WITH_DNNL ${dnnl_FOUND})
configure_package_config_file(${NABLA_ROOT}/cmake/nablaConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/nablaConfig.cmake
                              INSTALL_DESTINATION ${NABLA_CMAKE_DIR})
# 0.x: minor versions may break the API, so only the same major.minor is compatible
write_basic_package_version_file(${PROJECT_BINARY_DIR}/nablaConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/nablaConfig.cmake ${PROJECT_BINARY_DIR}/nablaConfigVersion.cmake
        DESTINATION ${NABLA_CMAKE_DIR})
