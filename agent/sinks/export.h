// The report for monitoring a site already runs: node_exporter's textfile collector
// ([export] prometheus_textfile, written atomically after every run) and a Nagios/Icinga plugin
// line (`posdiag selftest --format nagios`, whose exit status is already the plugin's).
#pragma once

#include <string>

#include "agent/report.h"
#include "agent/sinks/sink.h"

namespace posdiag::agent {

// The Prometheus text exposition format (what `promtool check metrics` accepts): the run's status
// (one series per status, 1 for this one: `unknown` is its own series, never `ok`), exit code,
// time and duration; each finding by rule, code and severity; each probe's status and duration;
// every numeric fact as posdiag_fact{name,unit}. Pure.
std::string RenderPrometheus(const Report& report);

// One line: "POSDIAG OK - all clear | ..." / "POSDIAG CRITICAL - T1 network...: title; ... | ...",
// perfdata with the run's duration, the findings' count and the key numeric facts. Pure.
std::string RenderNagios(const Report& report);

// Writes RenderPrometheus to `path` atomically (node_exporter never reads half a file).
class PrometheusSink : public Sink {
 public:
  explicit PrometheusSink(std::string path) : path_(std::move(path)) {}
  std::string_view Name() const override { return "prometheus"; }
  Result<void> Write(const Report& report) override;

 private:
  std::string path_;
};

}  // namespace posdiag::agent
