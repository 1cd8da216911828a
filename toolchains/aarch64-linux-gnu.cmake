# Cross-compiling for 64-bit ARM terminals (aarch64) with Debian's g++-aarch64-linux-gnu and the
# arm64 multiarch libraries (`bash setup.sh cross` installs both, and qemu-user to run the tests).
#   cmake --preset aarch64 && cmake --build --preset aarch64 && ctest --preset aarch64
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(POSDIAG_CROSS_TRIPLE aarch64-linux-gnu)
set(POSDIAG_CROSS_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/debian_multiarch.cmake)
