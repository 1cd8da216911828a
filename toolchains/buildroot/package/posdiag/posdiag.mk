################################################################################
#
# posdiag
#
################################################################################

# Built from the source tree this external tree lives in (toolchains/buildroot in a posdiag
# checkout). For a release tarball instead, set POSDIAG_SITE to its URL and drop the
# SITE_METHOD line.
POSDIAG_VERSION = 0.1.0
POSDIAG_SITE = $(realpath $(BR2_EXTERNAL_POSDIAG_PATH)/../..)
POSDIAG_SITE_METHOD = local
POSDIAG_LICENSE = Proprietary
POSDIAG_DEPENDENCIES = \
	host-pkgconf \
	host-python3 \
	libusb \
	libserialport \
	libevdev \
	fmt \
	spdlog \
	openssl \
	c-ares \
	mosquitto \
	pcsc-lite \
	tomlplusplus \
	json-for-modern-cpp \
	cli11 \
	libqrencode

# host-python3: the display's glyph subset is generated at build time (gen_glyphs.py). fmt,
# spdlog and tomlplusplus are compiled in (header-only); openssl and mosquitto are linked by
# posdiag's modules in /usr/libexec/posdiag, which `cmake --install` puts there.
# POSDIAG_OPTIMIZE_SIZE: -Os and link-time optimisation whatever BR2_OPTIMIZE_* says (the
# terminal's flash is small; the self-test is no slower).
POSDIAG_CONF_OPTS = \
	-DPOSDIAG_BUILD_TESTS=OFF \
	-DPOSDIAG_BUILD_BENCHMARKS=OFF \
	-DPOSDIAG_BUILD_DESK=OFF \
	-DPOSDIAG_OPTIMIZE_SIZE=ON \
	-DPOSDIAG_UNIFONT_HEX=$(call qstrip,$(BR2_PACKAGE_POSDIAG_UNIFONT_HEX)) \
	-DPOSDIAG_SYSTEMD_UNITDIR=/usr/lib/systemd/system \
	-DPOSDIAG_SYSUSERSDIR=/usr/lib/sysusers.d \
	-DPOSDIAG_TMPFILESDIR=/usr/lib/tmpfiles.d \
	-DPOSDIAG_UDEV_RULESDIR=/lib/udev/rules.d

ifeq ($(BR2_INIT_SYSTEMD),y)
POSDIAG_CONF_OPTS += \
	-DPOSDIAG_INSTALL_SYSTEMD=ON \
	-DPOSDIAG_INSTALL_SYSVINIT=OFF \
	-DPOSDIAG_PAYMENT_UNIT=$(call qstrip,$(BR2_PACKAGE_POSDIAG_PAYMENT_UNIT))
else
POSDIAG_CONF_OPTS += -DPOSDIAG_INSTALL_SYSTEMD=OFF -DPOSDIAG_INSTALL_SYSVINIT=ON
endif

ifeq ($(BR2_PACKAGE_HAS_UDEV),y)
POSDIAG_CONF_OPTS += -DPOSDIAG_INSTALL_UDEV=ON
else
POSDIAG_CONF_OPTS += -DPOSDIAG_INSTALL_UDEV=OFF
endif

# The posdiag user, in the groups that own serial ports, USB printers, input devices and
# framebuffers (makeusers syntax: name uid group gid password home shell groups comment).
define POSDIAG_USERS
	posdiag -1 posdiag -1 * /var/lib/posdiag - dialout,lp,input,video posdiag terminal diagnostics
endef

# The history. /var/log is a tmpfs on Buildroot's default skeleton: the init script and the
# units create /var/log/posdiag at each boot.
define POSDIAG_PERMISSIONS
	/var/lib/posdiag d 750 posdiag posdiag - - - - -
endef

# BusyBox init and SysV init run /etc/init.d/S??*: the self-test runs before a payment
# application numbered higher than 60. `cmake --install` has written /etc/init.d/posdiag.
define POSDIAG_INSTALL_INIT_SYSV
	mv -f $(TARGET_DIR)/etc/init.d/posdiag $(TARGET_DIR)/etc/init.d/S60posdiag
endef

# The units are installed by `cmake --install`; Buildroot enables them with its systemd
# presets at the end of the build.

$(eval $(cmake-package))
