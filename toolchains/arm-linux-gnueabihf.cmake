# Cross-compiling for 32-bit ARM terminals (ARMv7, hard float) with Debian's
# g++-arm-linux-gnueabihf and the armhf multiarch libraries (`bash setup.sh cross` installs both,
# and qemu-user to run the tests).
#   cmake --preset armhf && cmake --build --preset armhf && ctest --preset armhf
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(POSDIAG_CROSS_TRIPLE arm-linux-gnueabihf)
set(POSDIAG_CROSS_QEMU qemu-arm)
# g++ notes every std::vector<T>::insert of a type whose argument passing changed in GCC 7.1 on
# ARM; everything here is built by one compiler, so the note says nothing.
set(CMAKE_CXX_FLAGS_INIT -Wno-psabi)
include(${CMAKE_CURRENT_LIST_DIR}/debian_multiarch.cmake)
