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

# posdiag_pty_sims(OUT): the device simulators on pseudo-terminals, one per tests/sim/<name>_sim.cc
# (pty_sim.cc is their shared part, vicc_sim a smart card for pcscd), found by their files: a new
# simulator needs no line in any list.
function(posdiag_pty_sims out)
  file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/sim/*_sim.cc)
  set(sims "")
  foreach(source IN LISTS sources)
    get_filename_component(sim ${source} NAME_WE)
    if(NOT sim STREQUAL "pty_sim" AND NOT sim STREQUAL "vicc_sim")
      list(APPEND sims ${sim})
    endif()
  endforeach()
  set(${out} ${sims} PARENT_SCOPE)
endfunction()

# posdiag_sim_env(OUT): POSDIAG_<SIM>=<command> for each of them (POSDIAG_PRINTER_SIM=...), the
# variables tests/sim/lib/<device>.sh looks them up by, each runnable here (posdiag_runnable). For
# the tests that run posdiag-sim with a posdiag that has no build tree beside it.
function(posdiag_sim_env out)
  posdiag_pty_sims(sims)
  set(env "")
  foreach(sim IN LISTS sims)
    posdiag_runnable(command ${sim})
    string(TOUPPER ${sim} variable)
    list(APPEND env POSDIAG_${variable}=${command})
  endforeach()
  set(${out} ${env} PARENT_SCOPE)
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

# umockdev: a test program that answers usbfs itself through libumockdev's ioctl handler API
# (tests/umockdev/emulated_usb.h) runs under umockdev-wrapper; replayed device scripts run under
# umockdev-run. Neither can load into a qemu-user process: in a cross build they are listed as
# skipped.
if(POSDIAG_BUILD_TESTS AND NOT CMAKE_CROSSCOMPILING)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(posdiag_libumockdev IMPORTED_TARGET GLOBAL umockdev-1.0)
  find_program(POSDIAG_UMOCKDEV_WRAPPER umockdev-wrapper)
  find_program(POSDIAG_UMOCKDEV_RUN umockdev-run)
endif()

# posdiag_add_umockdev_test(TEST name PROGRAM target SOURCES src... LIBS lib...): the GoogleTest
# program `target`, run under umockdev-wrapper as the test `name`.
function(posdiag_add_umockdev_test)
  cmake_parse_arguments(ARG "" "TEST;PROGRAM" "SOURCES;LIBS" ${ARGN})
  if(NOT POSDIAG_BUILD_TESTS)
    return()
  endif()
  if(CMAKE_CROSSCOMPILING)
    posdiag_skipped_test(${ARG_TEST} "${POSDIAG_UMOCKDEV_CROSS_REASON}")
    return()
  endif()
  if(NOT posdiag_libumockdev_FOUND OR NOT POSDIAG_UMOCKDEV_WRAPPER)
    posdiag_skipped_test(${ARG_TEST} "needs libumockdev-dev and umockdev-wrapper (umockdev)")
    return()
  endif()
  add_executable(${ARG_PROGRAM} ${ARG_SOURCES})
  target_link_libraries(${ARG_PROGRAM} PRIVATE posdiag::options ${ARG_LIBS}
                        PkgConfig::posdiag_libumockdev GTest::gtest_main)
  target_compile_definitions(${ARG_PROGRAM} PRIVATE POSDIAG_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  add_test(NAME ${ARG_TEST} COMMAND ${POSDIAG_UMOCKDEV_WRAPPER} $<TARGET_FILE:${ARG_PROGRAM}>)
  set_tests_properties(${ARG_TEST} PROPERTIES TIMEOUT 60)
endfunction()

# posdiag_add_umockdev_replays(PROGRAM target PREFIX name DEVICE file NODE /dev/bus/usb/B/D
#                              CASES script:GTestCase...): for each case, the test umockdev.name_script
# runs `target`'s UmockdevX.GTestCase under umockdev-run with the device description
# tests/umockdev/DEVICE and the usbdevfs replies tests/umockdev/name_script.ioctl at NODE.
# umockdev does not emulate URB cancellation, so a transfer that finds no reply would wait for
# ever: the TIMEOUT bounds it.
function(posdiag_add_umockdev_replays)
  cmake_parse_arguments(ARG "" "PROGRAM;PREFIX;DEVICE;NODE;FILTER" "CASES" ${ARGN})
  set(fixtures ${PROJECT_SOURCE_DIR}/tests/umockdev)
  foreach(case IN LISTS ARG_CASES)
    string(REPLACE ":" ";" parts ${case})
    list(GET parts 0 script)
    list(GET parts 1 test)
    set(name umockdev.${ARG_PREFIX}_${script})
    if(CMAKE_CROSSCOMPILING)
      posdiag_skipped_test(${name} "${POSDIAG_UMOCKDEV_CROSS_REASON}")
      continue()
    endif()
    add_test(NAME ${name}
             COMMAND ${POSDIAG_UMOCKDEV_RUN} -d ${fixtures}/${ARG_DEVICE}
                     -i ${ARG_NODE}=${fixtures}/${ARG_PREFIX}_${script}.ioctl --
                     $<TARGET_FILE:${ARG_PROGRAM}> --gtest_filter=${ARG_FILTER}.${test})
    set_tests_properties(${name} PROPERTIES TIMEOUT 30)
  endforeach()
endfunction()
