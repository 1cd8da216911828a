SUMMARY = "On-terminal diagnostics for Linux payment (POS) terminals"
DESCRIPTION = "posdiag finds out on the terminal why it cannot take a card payment: power, \
storage, clock, the network path to the payment host, modem, receipt printer, card readers and \
the payment application's journal, mapped to the merchant codes (T1, T2, E1, P1-P6) with \
remedies. Boot self-test, diagnose key and engineer serial console."
SECTION = "console/utils"
LICENSE = "CLOSED"

# Built from the checkout this layer lives in (conf/layer.conf sets POSDIAG_SOURCE_DIR). For a
# release, replace these two lines with SRC_URI (git or tarball) and SRCREV.
inherit externalsrc
EXTERNALSRC ?= "${POSDIAG_SOURCE_DIR}"
EXTERNALSRC_BUILD ?= "${WORKDIR}/build"

inherit cmake pkgconfig python3native systemd update-rc.d useradd

DEPENDS = "libusb1 libserialport libevdev fmt spdlog openssl c-ares mosquitto pcsc-lite tomlplusplus \
           nlohmann-json cli11 qrencode"

# The display's glyph subset is generated at build time from GNU Unifont, which no OE layer
# ships for the build host: name the host's unifont.hex (Debian/Ubuntu package unifont).
POSDIAG_UNIFONT_HEX ?= "/usr/share/unifont/unifont.hex"
# The payment application's unit: the boot self-test runs before it.
POSDIAG_PAYMENT_UNIT ?= "payment-app.service"

# POSDIAG_OPTIMIZE_SIZE: -Os and link-time optimisation over the distro's -O2 (the terminal's
# flash is small; the self-test is no slower).
EXTRA_OECMAKE = " \
    -DPOSDIAG_BUILD_TESTS=OFF \
    -DPOSDIAG_BUILD_BENCHMARKS=OFF \
    -DPOSDIAG_BUILD_DESK=OFF \
    -DPOSDIAG_OPTIMIZE_SIZE=ON \
    -DPOSDIAG_UNIFONT_HEX=${POSDIAG_UNIFONT_HEX} \
    -DPOSDIAG_PAYMENT_UNIT=${POSDIAG_PAYMENT_UNIT} \
    -DPOSDIAG_SYSTEMD_UNITDIR=${systemd_system_unitdir} \
    -DPOSDIAG_SYSUSERSDIR=${nonarch_libdir}/sysusers.d \
    -DPOSDIAG_TMPFILESDIR=${nonarch_libdir}/tmpfiles.d \
    -DPOSDIAG_UDEV_RULESDIR=${nonarch_base_libdir}/udev/rules.d \
    -DPOSDIAG_INSTALL_SYSTEMD=${@bb.utils.contains('DISTRO_FEATURES', 'systemd', 'ON', 'OFF', d)} \
    -DPOSDIAG_INSTALL_SYSVINIT=${@bb.utils.contains('DISTRO_FEATURES', 'sysvinit', 'ON', 'OFF', d)} \
"

SYSTEMD_SERVICE:${PN} = "posdiag-boot.service posdiag.service"
SYSTEMD_AUTO_ENABLE = "enable"

INITSCRIPT_NAME = "posdiag"
INITSCRIPT_PARAMS = "defaults 60"

# The posdiag user, in the groups that own serial ports, USB printers, input devices and
# framebuffers (base-passwd has them all).
USERADD_PACKAGES = "${PN}"
GROUPADD_PARAM:${PN} = "--system posdiag"
USERADD_PARAM:${PN} = "--system --gid posdiag --groups dialout,lp,input,video \
                       --home-dir /var/lib/posdiag --no-create-home --shell /sbin/nologin posdiag"

# ${libexecdir}/posdiag: posdiag's modules (posdiag-crypto.so and posdiag-mqtt.so, which bring
# OpenSSL and libmosquitto only to the runs that need them) and the update gate's script.
FILES:${PN} += " \
    ${libexecdir}/posdiag \
    ${systemd_system_unitdir} \
    ${nonarch_libdir}/sysusers.d \
    ${nonarch_libdir}/tmpfiles.d \
    ${nonarch_base_libdir}/udev/rules.d \
"
CONFFILES:${PN} = "${sysconfdir}/posdiag/posdiag.toml"
