# Tests in a cross build (toolchains/, presets aarch64 and armhf) run under the emulator that the
# toolchain file names in CMAKE_CROSSCOMPILING_EMULATOR (qemu-user). ctest puts it in front of a
# test whose command is an executable target; these two helpers cover what it cannot see.

# posdiag_runnable(OUT target): a path that runs `target` from a script or another test program.
# Natively the program itself; in a cross build a generated shell script, <build>/emulated/<target>,
# that runs it under the emulator (binfmt_misc is not assumed, and a host shell cannot exec a
# foreign binary).
function(posdiag_runnable out target)
  if(NOT CMAKE_CROSSCOMPILING)
    set(${out} "$<TARGET_FILE:${target}>" PARENT_SCOPE)
    return()
  endif()
  set(wrapper ${CMAKE_BINARY_DIR}/emulated/${target})
  get_property(done GLOBAL PROPERTY posdiag_runnable_${target})
  if(NOT done)
    list(JOIN CMAKE_CROSSCOMPILING_EMULATOR " " emulator)
    file(GENERATE OUTPUT ${wrapper}
         CONTENT "#!/bin/sh\n# ${target}, built for ${CMAKE_SYSTEM_PROCESSOR}, under ${emulator}.\nexec ${emulator} \"$<TARGET_FILE:${target}>\" \"$@\"\n"
         FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                          WORLD_READ WORLD_EXECUTE)
    set_property(GLOBAL PROPERTY posdiag_runnable_${target} TRUE)
  endif()
  set(${out} ${wrapper} PARENT_SCOPE)
endfunction()

# posdiag_skipped_test(NAME REASON): a test that cannot run in this build is still listed, and
# reported by ctest as skipped with REASON in its output (label `skipped`), never silently dropped.
function(posdiag_skipped_test name reason)
  add_test(NAME ${name} COMMAND sh -c "echo \"skipped: $1\"; exit 77" sh "${reason}")
  set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE 77 LABELS skipped)
endfunction()

# Why the umockdev tests are skipped in a cross build.
set(POSDIAG_UMOCKDEV_CROSS_REASON
    "umockdev-run preloads a host library, which cannot load into a qemu-user process; this test runs in the native builds")

if(CMAKE_CROSSCOMPILING AND POSDIAG_BUILD_TESTS AND NOT CMAKE_CROSSCOMPILING_EMULATOR)
  message(WARNING "cross build without CMAKE_CROSSCOMPILING_EMULATOR: the test programs are "
                  "built but cannot run here (install qemu-user: bash setup.sh cross)")
endif()
