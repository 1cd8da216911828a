#include "agent/probes/system/system_device.h"

#include "agent/probes/system/system_probe.h"

namespace posdiag::agent::probes {

SystemDevice::SystemDevice() : SystemDevice(BuildEpochSeconds()) {}

std::vector<SectionSpec> SystemDevice::ConfigSections() const {
  // [system] root and model are core keys (CoreSections); MergeSpecs adds these to them.
  return {
      {"system",
       "the terminal itself",
       {TerminalPath("data_path")
            .Default("/var/lib")
            .Means("the payment data partition: its free space is measured there"),
        TerminalPath("log_path").Default("/var/log").Means("the log partition")}},
      {"app",
       "the payment application, read by the system probe; absent: no system.app.* facts",
       {TerminalPath("executable").Means("its executable: present, and executable"),
        String("package").NonEmpty().Means(
            "its package in /var/lib/dpkg/status or /usr/lib/opkg/status"),
        TerminalPath("version_file").Means("a file whose first line is its version"),
        String("version").NonEmpty().Means("the version this terminal must run"),
        TerminalPath("busy_lock")
            .Means(
                "a file the payment application holds an exclusive flock on during a transaction: "
                "while it is held, the diagnose key, the console and remote requests neither probe "
                "nor draw"),
        TerminalPath("busy_file")
            .Means(
                "a file that exists while a transaction is in progress (the same, for applications "
                "that do not lock)")}},
  };
}

std::shared_ptr<Probe> SystemDevice::MakeProbe() const {
  return std::make_shared<SystemProbe>(build_epoch_s_);
}

}  // namespace posdiag::agent::probes
