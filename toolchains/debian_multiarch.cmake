# Shared by the toolchain files in this folder: cross-compiling for Debian with its cross
# compilers (g++-<triple>) and the target's libraries installed as multiarch packages
# (libspdlog-dev:arm64 …), which live in /usr/lib/<triple> and share /usr/include with the host.
# A toolchain file sets POSDIAG_CROSS_TRIPLE, CMAKE_SYSTEM_PROCESSOR and POSDIAG_CROSS_QEMU, then
# includes this.
set(CMAKE_SYSTEM_NAME Linux)

set(CMAKE_C_COMPILER ${POSDIAG_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${POSDIAG_CROSS_TRIPLE}-g++)
# Libraries and CMake packages are looked up in lib/<triple>, never in the host's lib/x86_64-…
set(CMAKE_LIBRARY_ARCHITECTURE ${POSDIAG_CROSS_TRIPLE})

# Libraries, headers and packages from the target's directories only (the cross libc under
# /usr/<triple>, the multiarch libraries under /usr); programs (pkg-config, git, umockdev-run,
# the build-time generators) from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${POSDIAG_CROSS_TRIPLE} /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config answers for the target: its .pc files only (the multiarch directory and the
# architecture-independent one), whatever the caller's environment says. The toolchain file is
# read again for every try_compile, so this holds for all of configure.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/${POSDIAG_CROSS_TRIPLE}/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
unset(ENV{PKG_CONFIG_SYSROOT_DIR})

# Test programs run under qemu-user, named explicitly (binfmt_misc is not assumed). No `-L`:
# the target's loader and libc are the multiarch ones (/lib/<loader>, /lib/<triple>), which
# qemu finds as the target would; pointing -L at the cross toolchain's libc (/usr/<triple>)
# mixes two builds of glibc, and any program that starts a thread then spins for ever.
find_program(POSDIAG_CROSS_EMULATOR NAMES ${POSDIAG_CROSS_QEMU} ${POSDIAG_CROSS_QEMU}-static)
if(POSDIAG_CROSS_EMULATOR)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${POSDIAG_CROSS_EMULATOR})
endif()
