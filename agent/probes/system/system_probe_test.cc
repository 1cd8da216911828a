#include "agent/probes/system/system_probe.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "agent/probes/system/system_device.h"
#include "agent/probes/testing/probe_harness.h"
#include "rules/loader/catalog.h"

namespace posdiag::agent::probes {
namespace {

using posdiag::testing::FixtureTree;
using testing::AtEpoch;
using testing::FixedClock;
using testing::ProbeRun;
using testing::RunProbe;
using V = rules::FactValue;

constexpr std::int64_t kBuild = 1'714'521'600;  // 2024-05-01T00:00:00Z
constexpr std::int64_t kNow = 1'717'243'200;    // 2024-06-01T12:00:00Z, 31.5 days later

constexpr char kMemInfo[] =
    "MemTotal:        1000000 kB\n"
    "MemFree:          100000 kB\n"
    "MemAvailable:     250000 kB\n";

class SystemProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tree_.Put("/proc/meminfo", kMemInfo);
    tree_.Put("/proc/loadavg", "1.20 0.80 0.40 2/180 4242\n");
    tree_.Put("/proc/uptime", "3600.50 10000.00\n");
    tree_.Put("/sys/devices/system/cpu/online", "0-3\n");
    tree_.MakeDir("/data");
    tree_.MakeDir("/var/log");
  }
  ProbeRun Run(std::string_view config = "[system]\ndata_path = \"/data\"\n",
               std::int64_t now = kNow) {
    const FixedClock clock(AtEpoch(now));
    ProbeRun run = RunProbe(device_, tree_, config, clock);
    EXPECT_TRUE(run.measured);
    return run;
  }
  std::string AppConfig(const std::string& app_keys) {
    return "[system]\ndata_path = \"/data\"\n[app]\n" + app_keys;
  }
  void PutApp(const std::string& path, std::filesystem::perms perms) {
    tree_.Put(path, "#!/bin/sh\n");
    tree_.Chmod(path, perms);
  }

  FixtureTree tree_;
  SystemDevice device_{kBuild};
};

TEST_F(SystemProbeTest, RunsWithoutASectionAndDeclaresItsKeys) {
  const auto probe = device_.MakeProbe();
  ASSERT_NE(probe, nullptr);
  EXPECT_FALSE(probe->NeedsConfigSection());
  EXPECT_EQ(probe->Name(), "system");
  EXPECT_EQ(probe->Levels(), kAllLevels);
  EXPECT_TRUE(device_.Routines().empty());
  const auto sections = device_.ConfigSections();
  ASSERT_EQ(sections.size(), 2u);
  EXPECT_EQ(sections[0].name, "system");
  EXPECT_EQ(sections[1].name, "app");
  // An empty config is enough.
  const ProbeRun r = Run("");
  EXPECT_TRUE(r.result.ok());
  EXPECT_EQ(r.Value("system.storage.data.path"), V(std::string("/var/lib")));
  EXPECT_EQ(r.Value("system.storage.log.path"), V(std::string("/var/log")));
}

// The agent's device carries the build date the build compiled in: the last commit's time.
TEST_F(SystemProbeTest, TheBuildDateIsCompiledIn) {
  EXPECT_GT(BuildEpochSeconds(), 1'700'000'000);  // after this code was written
  const SystemDevice agent_device;
  const FixedClock clock(AtEpoch(kNow));
  const ProbeRun r = RunProbe(agent_device, tree_, "", clock);
  EXPECT_EQ(r.Value("system.build.epoch_s"), V(BuildEpochSeconds()));
}

TEST_F(SystemProbeTest, ModelAsConfigured) {
  EXPECT_EQ(Run("[system]\nmodel = \"A8\"\n").Value("system.model"), V(std::string("A8")));
  EXPECT_FALSE(Run("").Has("system.model"));
}

TEST_F(SystemProbeTest, MemoryLoadAndUptime) {
  const ProbeRun r = Run();
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(r.Value("system.memory.total_kib"), V(std::int64_t{1000000}));
  EXPECT_EQ(r.Unit("system.memory.total_kib"), "KiB");
  EXPECT_EQ(r.Value("system.memory.available_kib"), V(std::int64_t{250000}));
  EXPECT_EQ(r.Value("system.memory.available_pct"), V(25.0));
  EXPECT_EQ(r.Unit("system.memory.available_pct"), "%");
  EXPECT_EQ(r.Value("system.load.avg_1m"), V(1.2));
  EXPECT_EQ(r.Value("system.load.avg_5m"), V(0.8));
  EXPECT_EQ(r.Value("system.load.avg_15m"), V(0.4));
  EXPECT_EQ(r.Value("system.cpu.count"), V(std::int64_t{4}));
  EXPECT_EQ(r.Value("system.load.per_cpu_1m"), V(0.3));
  EXPECT_EQ(r.Value("system.uptime_s"), V(3600.5));
  EXPECT_EQ(r.Unit("system.uptime_s"), "s");
}

TEST_F(SystemProbeTest, ClockAgainstTheBuildDate) {
  const ProbeRun r = Run();
  EXPECT_EQ(r.Value("system.clock.now"), V(std::string("2024-06-01T12:00:00Z")));
  EXPECT_EQ(r.Value("system.clock.epoch_s"), V(kNow));
  EXPECT_EQ(r.Value("system.build.epoch_s"), V(kBuild));
  EXPECT_EQ(r.Value("system.clock.days_since_build"), V(std::int64_t{31}));
}

TEST_F(SystemProbeTest, ClockBeforeTheBuildIsNegative) {
  EXPECT_EQ(Run("", kBuild - 1).Value("system.clock.days_since_build"), V(std::int64_t{-1}));
  const ProbeRun y2k = Run("", 946'684'800);  // 2000-01-01, an RTC that lost its battery
  EXPECT_EQ(y2k.Value("system.clock.now"), V(std::string("2000-01-01T00:00:00Z")));
  EXPECT_EQ(y2k.Value("system.clock.days_since_build"), V(std::int64_t{-8887}));
}

TEST_F(SystemProbeTest, StorageOfTheConfiguredPaths) {
  const ProbeRun r = Run();
  EXPECT_EQ(r.Value("system.storage.data.path"), V(std::string("/data")));
  const auto total = std::get<std::int64_t>(r.Value("system.storage.data.total_kib"));
  const auto free = std::get<std::int64_t>(r.Value("system.storage.data.free_kib"));
  const double pct = std::get<double>(r.Value("system.storage.data.free_pct"));
  EXPECT_GT(total, 0);
  EXPECT_GE(free, 0);
  EXPECT_LE(free, total);
  EXPECT_GE(pct, 0.0);
  EXPECT_LE(pct, 100.0);
  EXPECT_EQ(r.Unit("system.storage.data.free_kib"), "KiB");
  EXPECT_TRUE(r.Has("system.storage.log.free_pct"));
  // Compare with the file system the fixture lives on.
  const auto space = std::filesystem::space(tree_.root());
  EXPECT_EQ(total, static_cast<std::int64_t>(space.capacity / 1024));
}

TEST_F(SystemProbeTest, MissingStoragePathIsMissing) {
  const ProbeRun r = Run("[system]\ndata_path = \"/nowhere\"\n");
  EXPECT_EQ(r.Value("system.storage.data.path"), V(std::string("/nowhere")));
  EXPECT_FALSE(r.Has("system.storage.data.free_kib"));
  EXPECT_EQ(r.Why("system.storage.data.free_pct"), "/nowhere: No such file or directory");
  // The storage rules cannot judge the data partition: incomplete, never all clear.
  EXPECT_THAT(r.incomplete, ::testing::ElementsAre("system.storage.data.free_kib: /nowhere: No "
                                                   "such file or directory"));
}

TEST_F(SystemProbeTest, GarbageProcFilesAreMissingWithReasons) {
  tree_.Put("/proc/meminfo", "MemTotal: lots kB\n");
  tree_.Put("/proc/loadavg", "0.1 0.2\n");
  tree_.Remove("/proc/uptime");
  tree_.Put("/sys/devices/system/cpu/online", "3-1\n");
  const ProbeRun r = Run();
  EXPECT_TRUE(r.result.ok());
  EXPECT_NE(r.Why("system.memory.total_kib").find("not an integer"), std::string::npos);
  EXPECT_NE(r.Why("system.memory.available_pct").find("MemTotal"), std::string::npos);
  EXPECT_NE(r.Why("system.load.avg_1m").find("expected 3 to 5 fields"), std::string::npos);
  EXPECT_EQ(r.Why("system.uptime_s"), "/proc/uptime: not found");
  EXPECT_NE(r.Why("system.cpu.count").find("/sys/devices/system/cpu/online: cpu list: bad entry"),
            std::string::npos);
  EXPECT_NE(r.Why("system.load.per_cpu_1m"), "<not missing>");
  EXPECT_TRUE(r.Has("system.clock.epoch_s"));  // the rest still measured
}

// Without /proc/meminfo and /proc/loadavg the memory and load rules cannot judge: the check is
// incomplete, with the reasons, and never all clear.
TEST_F(SystemProbeTest, ProcFilesMissingMakeTheCheckIncomplete) {
  EXPECT_TRUE(Run().incomplete.empty());
  tree_.Remove("/proc/meminfo");
  tree_.Remove("/proc/loadavg");
  const ProbeRun r = Run();
  ASSERT_TRUE(r.result.ok());
  EXPECT_THAT(r.incomplete,
              ::testing::ElementsAre("system.memory.total_kib: /proc/meminfo: not found",
                                     "system.load.avg_1m: /proc/loadavg: not found"));
}

TEST_F(SystemProbeTest, OldKernelWithoutMemAvailable) {
  tree_.Put("/proc/meminfo", "MemTotal: 1000 kB\nMemFree: 10 kB\n");
  const ProbeRun r = Run();
  EXPECT_EQ(r.Value("system.memory.total_kib"), V(std::int64_t{1000}));
  EXPECT_NE(r.Why("system.memory.available_kib").find("no MemAvailable"), std::string::npos);
  EXPECT_NE(r.Why("system.memory.available_pct").find("no MemAvailable"), std::string::npos);
  EXPECT_TRUE(r.incomplete.empty());  // the kernel's limit, the same on every run
}

TEST_F(SystemProbeTest, WithoutAnAppSectionThereAreNoAppFacts) {
  const ProbeRun r = Run();
  for (const char* name : {"system.app.present", "system.app.executable", "system.app.version",
                           "system.app.expected_version"}) {
    EXPECT_FALSE(r.Has(name)) << name;
    EXPECT_EQ(r.Why(name), "<not missing>") << name;
  }
}

TEST_F(SystemProbeTest, AppFromExecutableAndVersionFile) {
  PutApp("/opt/payapp/bin/payapp", std::filesystem::perms::owner_all);
  tree_.Put("/opt/payapp/VERSION", "2.4.1\nbuilt 2024-04-30\n");
  const ProbeRun r = Run(
      AppConfig("executable = \"/opt/payapp/bin/payapp\"\nversion_file = \"/opt/payapp/VERSION\"\n"
                "version = \"2.4.1\"\n"));
  EXPECT_EQ(r.Value("system.app.present"), V(true));
  EXPECT_EQ(r.Value("system.app.executable"), V(true));
  EXPECT_EQ(r.Value("system.app.version"), V(std::string("2.4.1")));
  EXPECT_EQ(r.Value("system.app.expected_version"), V(std::string("2.4.1")));
}

TEST_F(SystemProbeTest, AppWithoutAnExecutableBit) {
  PutApp("/opt/payapp/bin/payapp", std::filesystem::perms::owner_read);
  const ProbeRun r = Run(AppConfig("executable = \"/opt/payapp/bin/payapp\"\n"));
  EXPECT_EQ(r.Value("system.app.present"), V(true));
  EXPECT_EQ(r.Value("system.app.executable"), V(false));
  EXPECT_EQ(r.Why("system.app.expected_version"), "[app] sets no version");
}

TEST_F(SystemProbeTest, ADirectoryIsNotAnExecutable) {
  tree_.MakeDir("/opt/payapp/bin/payapp");
  const ProbeRun r = Run(AppConfig("executable = \"/opt/payapp/bin/payapp\"\n"));
  EXPECT_EQ(r.Value("system.app.present"), V(true));
  EXPECT_EQ(r.Value("system.app.executable"), V(false));
}

TEST_F(SystemProbeTest, MissingAppAndVersionFile) {
  const ProbeRun r = Run(
      AppConfig("executable = \"/opt/payapp/bin/payapp\"\nversion_file = \"/opt/payapp/VERSION\"\n"
                "version = \"2.4.1\"\n"));
  EXPECT_EQ(r.Value("system.app.present"), V(false));
  EXPECT_EQ(r.Value("system.app.executable"), V(false));
  EXPECT_EQ(r.Why("system.app.version"), "/opt/payapp/VERSION: not found");
}

TEST_F(SystemProbeTest, GarbageVersionFileIsMissing) {
  tree_.Put("/opt/payapp/VERSION", "\x01\x02\x03\n");
  const ProbeRun r = Run(AppConfig("version_file = \"/opt/payapp/VERSION\"\n"));
  EXPECT_NE(r.Why("system.app.version").find("/opt/payapp/VERSION: value has a non-printable"),
            std::string::npos);
  EXPECT_EQ(r.Why("system.app.present"), "[app] names neither an executable nor a package");
}

TEST_F(SystemProbeTest, AppFromTheDpkgDatabase) {
  tree_.Put("/var/lib/dpkg/status",
            "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\n\n"
            "Package: payapp\nStatus: install ok installed\nVersion: 2.4.0\n");
  const ProbeRun r = Run(AppConfig("package = \"payapp\"\nversion = \"2.4.1\"\n"));
  EXPECT_EQ(r.Value("system.app.present"), V(true));
  EXPECT_EQ(r.Why("system.app.executable"), "[app] names no executable");
  EXPECT_EQ(r.Value("system.app.version"), V(std::string("2.4.0")));
  EXPECT_EQ(r.Value("system.app.expected_version"), V(std::string("2.4.1")));
}

TEST_F(SystemProbeTest, AppFromTheOpkgDatabase) {
  tree_.Put("/usr/lib/opkg/status",
            "Package: payapp\nVersion: 3.0\nStatus: install user installed\n");
  const ProbeRun r = Run(AppConfig("package = \"payapp\"\n"));
  EXPECT_EQ(r.Value("system.app.present"), V(true));
  EXPECT_EQ(r.Value("system.app.version"), V(std::string("3.0")));
}

TEST_F(SystemProbeTest, PackageNotInstalledIsAbsent) {
  tree_.Put("/var/lib/dpkg/status", "Package: payapp\nStatus: deinstall ok config-files\n");
  const ProbeRun r = Run(AppConfig("package = \"payapp\"\n"));
  EXPECT_EQ(r.Value("system.app.present"), V(false));
  EXPECT_NE(r.Why("system.app.version").find("not installed"), std::string::npos);
}

TEST_F(SystemProbeTest, NoPackageDatabaseIsUnknownNotAbsent) {
  const ProbeRun r = Run(AppConfig("package = \"payapp\"\n"));
  EXPECT_FALSE(r.Has("system.app.present"));
  EXPECT_NE(r.Why("system.app.present").find("no package database"), std::string::npos);
}

// The defaults docs/configuration.md gives for [system] and [app].
TEST_F(SystemProbeTest, DefaultsAreTheDocumentedOnes) {
  auto config = testing::DeviceConfig(device_, "");
  ASSERT_TRUE(config.ok()) << config.error().detail;
  EXPECT_EQ(CheckSpecs(config->specs()), std::vector<std::string>{});
  const ConfigSection& system = config->Section("system");
  EXPECT_EQ(system.GetString("root"), "/");
  EXPECT_FALSE(system.Has("model"));
  EXPECT_EQ(system.GetString("data_path"), "/var/lib");
  EXPECT_EQ(system.GetString("log_path"), "/var/log");
  EXPECT_TRUE(system.GetBool("enabled"));
  EXPECT_EQ(system.GetInt("timeout_ms"), 2000);
  const ConfigSection& app = config->Section("app");
  EXPECT_FALSE(app.present());
  for (const char* key : {"executable", "package", "version_file", "version"}) {
    EXPECT_EQ(app.GetString(key), "") << key;
  }
}

// Wrong values never reach the probe: the schema refuses them, with where and why.
TEST_F(SystemProbeTest, WrongValuesAreConfigErrors) {
  const struct {
    const char* text;
    const char* key;
  } cases[] = {
      {"[app]\nexecutabel = \"/x\"\n", "[app] executabel"},
      {"[app]\nexecutable = \"payapp\"\n", "[app] executable"},
      {"[app]\nversion_file = \"\"\n", "[app] version_file"},
      {"[app]\npackage = \"\"\n", "[app] package"},
      {"[app]\nversion = \"\"\n", "[app] version"},
      {"[app]\nversion = 241\n", "[app] version"},
      {"[system]\ndata_path = \"var/lib\"\n", "[system] data_path"},
      {"[system]\nlog_path = \"\"\n", "[system] log_path"},
      {"[system]\ntimeout_ms = 0\n", "[system] timeout_ms"},
  };
  for (const auto& c : cases) {
    auto config = testing::DeviceConfig(device_, c.text);
    ASSERT_FALSE(config.ok()) << c.text;
    EXPECT_NE(config.error().detail.find("test.toml:"), std::string::npos) << config.error().detail;
    EXPECT_NE(config.error().detail.find(c.key), std::string::npos) << config.error().detail;
  }
}

// Every system.* fact the catalogue's conditions name is one the probe declares.
TEST_F(SystemProbeTest, DeclaresEveryFactTheCatalogueUses) {
  const auto catalog =
      rules::LoadRuleFile(std::string(POSDIAG_SOURCE_DIR) + "/rules/catalog/system.toml");
  ASSERT_TRUE(catalog.ok());
  const rules::FactSchema declared(device_.MakeProbe()->Facts());
  std::size_t checked = 0;
  for (const auto& rule : catalog.rules) {
    for (const std::string& fact : rules::ExprFacts(*rule.expr)) {
      if (!fact.starts_with("system.")) continue;
      EXPECT_NE(declared.Find(fact), nullptr) << rule.id << ": " << fact;
      ++checked;
    }
  }
  EXPECT_GT(checked, 0u);
}

}  // namespace
}  // namespace posdiag::agent::probes
