# Install layout and Debian packages.
#
# `cmake --install` puts the binary in bin, its modules in libexec/posdiag, the config in
# <sysconfdir>/posdiag, the systemd units, udev rules, sysusers.d and tmpfiles.d snippets in the
# system's directories for them, the SysV/BusyBox init script in <sysconfdir>/init.d and the
# documentation in the doc dir. The init files name the binary and the config by path, so they
# are filled in when they are installed, from the prefix of that install (`--prefix`, or CPack's
# /usr), not the configure-time one.
#
# `cpack` (or the `package` target) builds one .deb for the target architecture.
include_guard(GLOBAL)
include(GNUInstallDirs)

option(POSDIAG_INSTALL_SYSTEMD "Install the systemd units, sysusers.d and tmpfiles.d snippets" ON)
option(POSDIAG_INSTALL_SYSVINIT "Install the SysV/BusyBox init script" ON)
option(POSDIAG_INSTALL_UDEV "Install the udev rules" ON)
set(POSDIAG_PAYMENT_UNIT "payment-app.service" CACHE STRING
    "The payment application's systemd unit: the boot self-test runs before it")
set(POSDIAG_BOOT_TIMEOUT_SEC 60 CACHE STRING "TimeoutStartSec= of the boot self-test unit")

# Where the system looks for units, sysusers.d, tmpfiles.d and udev rules: what the target's
# systemd.pc and udev.pc say, else the usual places under the prefix. Relative values are
# under the install prefix.
find_package(PkgConfig QUIET)
function(posdiag_system_dir var package pc_variable suffix fallback doc)
  set(default "${fallback}")
  if(PKG_CONFIG_FOUND)
    pkg_get_variable(found ${package} ${pc_variable})
    if(found)
      set(default "${found}${suffix}")
    endif()
  endif()
  set(${var} "${default}" CACHE STRING "${doc}")
endfunction()
posdiag_system_dir(POSDIAG_SYSTEMD_UNITDIR systemd systemdsystemunitdir "" lib/systemd/system
                   "Directory for the systemd units")
posdiag_system_dir(POSDIAG_SYSUSERSDIR systemd sysusersdir "" lib/sysusers.d
                   "Directory for the sysusers.d snippet")
posdiag_system_dir(POSDIAG_TMPFILESDIR systemd tmpfilesdir "" lib/tmpfiles.d
                   "Directory for the tmpfiles.d snippet")
posdiag_system_dir(POSDIAG_UDEV_RULESDIR udev udevdir /rules.d lib/udev/rules.d
                   "Directory for the udev rules")

install(TARGETS posdiag RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The companions (drivers/io/companion.h), where posdiag looks for them from its own directory.
install(TARGETS posdiag-tls RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/posdiag)
# Its modules (posdiag_add_module: OpenSSL's and libmosquitto's, loaded when a run needs them)
# where the binary looks for them: libexec/posdiag, found from its own directory
# (drivers/io/companion.h).
get_property(posdiag_modules GLOBAL PROPERTY POSDIAG_MODULES)
install(TARGETS ${posdiag_modules} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/posdiag)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/integration.md
              ${PROJECT_SOURCE_DIR}/docs/configuration.md ${PROJECT_SOURCE_DIR}/docs/codes.md
              ${PROJECT_SOURCE_DIR}/docs/rules.md ${PROJECT_SOURCE_DIR}/docs/field-guide.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
# The catalogue is compiled in; its source is shipped as the model for site rules.
file(GLOB posdiag_catalog_sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/rules/catalog/*.toml)
install(FILES ${posdiag_catalog_sources} DESTINATION ${CMAKE_INSTALL_DOCDIR}/catalog)

# The init files, filled in at install time. The script below is generated now with the
# configure-time choices and reads CMAKE_INSTALL_PREFIX when it runs.
set(POSDIAG_INIT_DIR ${PROJECT_SOURCE_DIR}/agent/init)
set(POSDIAG_INIT_STAGE ${CMAKE_CURRENT_BINARY_DIR}/posdiag-init)
file(CONFIGURE OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/posdiag_install_init.cmake @ONLY CONTENT [=[
# Installs posdiag's config and init files for the prefix of this install.
cmake_policy(VERSION 3.25)
set(prefix "${CMAKE_INSTALL_PREFIX}")

function(posdiag_full_dir out dir)
  if(NOT IS_ABSOLUTE "${dir}")
    set(dir "${prefix}/${dir}")
  endif()
  cmake_path(NORMAL_PATH dir)
  string(REGEX REPLACE "(.)/$" "\\1" dir "${dir}")
  set(${out} "${dir}" PARENT_SCOPE)
endfunction()

# sysconfdir as GNUInstallDirs resolves it: /etc for the /usr prefix, /etc/opt/NAME for /opt/NAME.
set(POSDIAG_SYSCONFDIR "@CMAKE_INSTALL_SYSCONFDIR@")
if(NOT IS_ABSOLUTE "${POSDIAG_SYSCONFDIR}")
  if(prefix STREQUAL "/usr")
    set(POSDIAG_SYSCONFDIR "/${POSDIAG_SYSCONFDIR}")
  elseif(prefix MATCHES "^/opt/(.+)")
    set(POSDIAG_SYSCONFDIR "/${POSDIAG_SYSCONFDIR}/opt/${CMAKE_MATCH_1}")
  endif()
endif()
posdiag_full_dir(POSDIAG_SYSCONFDIR "${POSDIAG_SYSCONFDIR}")
posdiag_full_dir(POSDIAG_BINDIR "@CMAKE_INSTALL_BINDIR@")
posdiag_full_dir(POSDIAG_DOCDIR "@CMAKE_INSTALL_DOCDIR@")
posdiag_full_dir(POSDIAG_LIBEXECDIR "@CMAKE_INSTALL_LIBEXECDIR@/posdiag")
posdiag_full_dir(unitdir "@POSDIAG_SYSTEMD_UNITDIR@")
posdiag_full_dir(POSDIAG_SYSUSERSDIR "@POSDIAG_SYSUSERSDIR@")
posdiag_full_dir(POSDIAG_TMPFILESDIR "@POSDIAG_TMPFILESDIR@")
posdiag_full_dir(udevdir "@POSDIAG_UDEV_RULESDIR@")
set(POSDIAG_CONFIG "${POSDIAG_SYSCONFDIR}/posdiag/posdiag.toml")
set(POSDIAG_PAYMENT_UNIT "@POSDIAG_PAYMENT_UNIT@")
string(REGEX REPLACE "\\.service$" "" POSDIAG_PAYMENT_SERVICE "${POSDIAG_PAYMENT_UNIT}")
set(POSDIAG_BOOT_TIMEOUT_SEC "@POSDIAG_BOOT_TIMEOUT_SEC@")

set(source "@POSDIAG_INIT_DIR@")
set(stage "@POSDIAG_INIT_STAGE@")
set(readable OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
set(executable ${readable} OWNER_EXECUTE GROUP_EXECUTE WORLD_EXECUTE)

# posdiag_install_file(TEMPLATE DIR NAME PERMISSIONS...): TEMPLATE with @VARS@ filled in.
function(posdiag_install_file template dir name)
  configure_file("${source}/${template}" "${stage}/${name}" @ONLY)
  file(INSTALL DESTINATION "${dir}" TYPE FILE PERMISSIONS ${ARGN} FILES "${stage}/${name}")
endfunction()

# The config is the site's once it is there: a reinstall keeps it (dpkg's conffile handling
# does the same for the package).
if(EXISTS "$ENV{DESTDIR}${POSDIAG_CONFIG}")
  message(STATUS "Keeping: $ENV{DESTDIR}${POSDIAG_CONFIG}")
else()
  posdiag_install_file(posdiag.toml.in "${POSDIAG_SYSCONFDIR}/posdiag" posdiag.toml ${readable})
endif()
file(INSTALL DESTINATION "${POSDIAG_SYSCONFDIR}/posdiag/rules.d" TYPE FILE
     PERMISSIONS ${readable} FILES "${source}/rules.d/README")

if(@POSDIAG_INSTALL_SYSTEMD@)
  posdiag_install_file(posdiag-boot.service.in "${unitdir}" posdiag-boot.service ${readable})
  posdiag_install_file(posdiag.service.in "${unitdir}" posdiag.service ${readable})
  posdiag_install_file(posdiag-update-gate.service.in "${unitdir}" posdiag-update-gate.service
                       ${readable})
  posdiag_install_file(posdiag-update-gate.in "${POSDIAG_LIBEXECDIR}" posdiag-update-gate
                       ${executable})
  posdiag_install_file(rauc-mark-good-posdiag.conf.in "${unitdir}/rauc-mark-good.service.d"
                       posdiag-update-gate.conf ${readable})
  posdiag_install_file(posdiag.sysusers "${POSDIAG_SYSUSERSDIR}" posdiag.conf ${readable})
  posdiag_install_file(posdiag.tmpfiles "${POSDIAG_TMPFILESDIR}" posdiag.conf ${readable})
endif()
if(@POSDIAG_INSTALL_SYSVINIT@)
  posdiag_install_file(posdiag.init.in "${POSDIAG_SYSCONFDIR}/init.d" posdiag ${executable})
endif()
if(@POSDIAG_INSTALL_UDEV@)
  posdiag_install_file(60-posdiag.rules "${udevdir}" 60-posdiag.rules ${readable})
endif()
]=])
install(SCRIPT ${CMAKE_CURRENT_BINARY_DIR}/posdiag_install_init.cmake)

# --- Debian package -------------------------------------------------------------------------

# The Debian architecture of the target: from the multiarch triplet when the toolchain names one,
# else from the processor.
set(posdiag_deb_arch_default "")
if(CMAKE_LIBRARY_ARCHITECTURE MATCHES "^arm-linux-gnueabihf$")
  set(posdiag_deb_arch_default armhf)
elseif(CMAKE_LIBRARY_ARCHITECTURE MATCHES "^arm-linux-gnueabi$")
  set(posdiag_deb_arch_default armel)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(posdiag_deb_arch_default amd64)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
  set(posdiag_deb_arch_default arm64)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^arm")
  set(posdiag_deb_arch_default armhf)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^i[3-6]86$")
  set(posdiag_deb_arch_default i386)
endif()
set(POSDIAG_DEB_ARCH "${posdiag_deb_arch_default}" CACHE STRING
    "Debian architecture of the package (amd64, arm64, armhf...)")

# Depends: the Debian 12 packages of the libraries posdiag links, the same names on every
# architecture, so a cross build (where dpkg-shlibdeps cannot look at the target's libraries)
# gets them too. spdlog, fmt and toml++ are compiled in (CMakeLists.txt), so none of theirs. tests/package checks them against dpkg-shlibdeps, for a cross build too where
# the target's multiarch libraries are installed.
# libc6 2.35: posdiag-tls links the C++ runtime in, whose unwinder uses _dl_find_object.
set(posdiag_deb_depends
    "libc6 (>= 2.35)"
    "libusb-1.0-0 (>= 2:1.0.16)"
    "libserialport0"
    "libevdev2 (>= 0.9.1)"
    "libssl3 (>= 3.0.0)"
    "libc-ares2 (>= 1.16.0)"
    "libmosquitto1 (>= 1.6)"
    "libpcsclite1 (>= 1.3.0)"
    "libqrencode4 (>= 3.2.0)"
    # The user: systemd-sysusers, else adduser.
    "adduser | systemd")
# The C++ runtime, unless it is linked in (POSDIAG_STATIC_CXX_RUNTIME); linked in, Debian 12's
# libstdc++ takes arc4random (std::random_device) from libc6 2.36.
if(POSDIAG_STATIC_CXX_RUNTIME)
  list(TRANSFORM posdiag_deb_depends REPLACE "^libc6 .*" "libc6 (>= 2.36)")
else()
  list(INSERT posdiag_deb_depends 1 "libgcc-s1 (>= 4.5)" "libstdc++6 (>= 12)")
endif()
list(JOIN posdiag_deb_depends ", " posdiag_deb_depends)
set(POSDIAG_DEB_DEPENDS "" CACHE STRING
    "Depends: of the Debian package, instead of the Debian 12 list in cmake/packaging.cmake")
if(POSDIAG_DEB_DEPENDS)
  set(posdiag_deb_depends "${POSDIAG_DEB_DEPENDS}")
endif()
set(POSDIAG_DEB_MAINTAINER "posdiag maintainers <posdiag@localhost>" CACHE STRING
    "Maintainer: of the Debian package")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME posdiag)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
       "posdiag finds out on the terminal why it cannot take a card payment: power,\n"
       "storage, clock, the network path to the payment host, modem, receipt printer,\n"
       "card readers and the payment application's journal, mapped to the merchant\n"
       "codes (T1, T2, E1, P1-P6) with remedies. Boot self-test, diagnose key and\n"
       "engineer serial console.")
set(CPACK_PACKAGE_CONTACT "${POSDIAG_DEB_MAINTAINER}")
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/packages)
# Install with DESTDIR and the package's own prefix, so the init files name /usr/bin/posdiag
# and the absolute unit and rule directories land inside the package.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${POSDIAG_DEB_ARCH})
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${posdiag_deb_depends}")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "udev")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "pcscd")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)

# Control files, with the package's paths (prefix /usr, so /etc). The block keeps the /usr
# forms of the directory variables to itself.
set(posdiag_control ${CMAKE_CURRENT_BINARY_DIR}/deb-control)
block()
  set(POSDIAG_SYSCONFDIR /etc)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_SYSCONFDIR}")
    set(POSDIAG_SYSCONFDIR "${CMAKE_INSTALL_SYSCONFDIR}")
  endif()
  foreach(dir SYSUSERSDIR TMPFILESDIR)
    if(NOT IS_ABSOLUTE "${POSDIAG_${dir}}")
      set(POSDIAG_${dir} "/usr/${POSDIAG_${dir}}")
    endif()
  endforeach()
  set(posdiag_conffiles "${POSDIAG_SYSCONFDIR}/posdiag/posdiag.toml\n")
  if(POSDIAG_INSTALL_SYSVINIT)
    string(APPEND posdiag_conffiles "${POSDIAG_SYSCONFDIR}/init.d/posdiag\n")
  endif()
  file(WRITE ${posdiag_control}/conffiles "${posdiag_conffiles}")
  foreach(script postinst prerm postrm)
    configure_file(${POSDIAG_INIT_DIR}/deb/${script}.in ${posdiag_control}/${script} @ONLY
                   FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                                    WORLD_READ WORLD_EXECUTE)
  endforeach()
endblock()
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${posdiag_control}/conffiles ${posdiag_control}/postinst
                                       ${posdiag_control}/prerm ${posdiag_control}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)

# --- The desk's package: posdiag-fleet ---------------------------------------------------------
# Not for terminals: its own .deb from the `desk` install component (agent/desk), built with
# `cpack --config <build>/CPackConfig-fleet.cmake` or the `package-fleet` target. Its Depends are
# checked against dpkg-shlibdeps by tests/package/fleet_deb_test.sh.
if(TARGET posdiag-fleet)
  set(posdiag_fleet_deb_depends
      "libc6 (>= 2.34), libgcc-s1 (>= 3.0), libstdc++6 (>= 12), libsqlite3-0 (>= 3.6.5), libmosquitto1 (>= 1.6), libssl3 (>= 3.0.0)")
  file(CONFIGURE OUTPUT ${CMAKE_BINARY_DIR}/CPackConfig-fleet.cmake @ONLY CONTENT [=[
# posdiag-fleet's package (cmake/packaging.cmake): the `desk` install component only.
set(CPACK_GENERATOR "DEB")
set(CPACK_CMAKE_GENERATOR "@CMAKE_GENERATOR@")
set(CPACK_INSTALL_CMAKE_PROJECTS "@CMAKE_BINARY_DIR@;posdiag;desk;/")
set(CPACK_PACKAGE_NAME "posdiag-fleet")
set(CPACK_PACKAGE_VERSION "@PROJECT_VERSION@")
set(CPACK_PACKAGE_FILE_NAME "posdiag-fleet-@PROJECT_VERSION@")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "posdiag's support-desk side: terminal reports over MQTT into SQLite")
set(CPACK_PACKAGE_DESCRIPTION "posdiag-fleet collects the reports and status that posdiag terminals publish
over MQTT into SQLite (several collectors on a shared subscription), lists the
terminals, shows a report by the ID a merchant reads out, and asks a terminal
for a remote diagnosis. For the support desk, not for terminals.")
set(CPACK_PACKAGE_CONTACT "@POSDIAG_DEB_MAINTAINER@")
set(CPACK_PACKAGE_DIRECTORY "@CMAKE_BINARY_DIR@/packages")
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX "/usr")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME "DEB-DEFAULT")
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE "@POSDIAG_DEB_ARCH@")
set(CPACK_DEBIAN_PACKAGE_DEPENDS "@posdiag_fleet_deb_depends@")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "mosquitto-clients")
set(CPACK_DEBIAN_PACKAGE_SECTION "admin")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_OUTPUT_CONFIG_FILE "@CMAKE_BINARY_DIR@/CPackConfig-fleet.cmake")
]=])
  add_custom_target(package-fleet
                    COMMAND ${CMAKE_CPACK_COMMAND} --config ${CMAKE_BINARY_DIR}/CPackConfig-fleet.cmake
                    DEPENDS posdiag-fleet WORKING_DIRECTORY ${CMAKE_BINARY_DIR}
                    COMMENT "posdiag-fleet's .deb")
endif()
