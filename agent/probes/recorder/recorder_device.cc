#include "agent/probes/recorder/recorder_device.h"

#include "drivers/journal/journal_line.h"

namespace posdiag::agent::probes {
namespace {

std::string CodesCheck(const ConfigValue& value) {
  for (const auto& code : std::get<std::vector<std::string>>(value)) {
    if (!drivers::journal::IsResponseCode(code)) {
      return "\"" + code.substr(0, 16) + "\" is not a response code (two of 0-9, A-Z)";
    }
  }
  return "";
}

}  // namespace

std::vector<std::string> DefaultIncidentCodes() { return {"68", "91", "92", "96", "98", "A0"}; }

std::vector<SectionSpec> RecorderDevice::ConfigSections() const {
  return {{"recorder",
           "the flight recorder: an incident report when a payment fails (needs [journal])",
           {Bool("enabled").Default(true).Means("false: posdiag daemon does not watch the journal"),
            StringList("codes")
                .Default(DefaultIncidentCodes())
                .Check(CodesCheck)
                .Means("response codes that start an incident: host-side failures, never a "
                       "cardholder decline"),
            StringList("local_codes")
                .Default(std::vector<std::string>{})
                .Check(CodesCheck)
                .Means("codes the payment application writes for a failure on the terminal "
                       "itself: these start incidents that also check the printer and reader"),
            Int("min_interval_s", 1, 86'400)
                .Default(60)
                .Means("the shortest time between two incident runs; failures meanwhile are "
                       "folded into the next"),
            Int("keep", 1, 1000).Default(20).Means("incident reports kept in history"),
            Int("max_read_kb", 4, 4096)
                .Default(256)
                .Means("the most of the journal read at one wake-up")}}};
}

std::vector<rules::FactSpec> RecorderDevice::AgentFacts() const {
  using rules::FactType;
  return rules::MakeFacts({
      {"recorder.incident.active", FactType::kBool, "",
       "this report is an incident: a failed payment started it (false in every other run)"},
      {"recorder.incident.code", FactType::kText, "", "the failed payment's response code"},
      {"recorder.incident.timeout", FactType::kBool, "", "that code is a timeout (68, 98)"},
      {"recorder.incident.local", FactType::kBool, "",
       "that code is one of [recorder] local_codes"},
      {"recorder.incident.failures", FactType::kInt, "",
       "failed payments this report covers (the rate limit folds later ones in)"},
      {"recorder.incident.age_s", FactType::kInt, "s",
       "from the payment's time in the journal to the facts being captured"},
      {"recorder.incident.via", FactType::kText, "",
       "the type of the interface that carries the route to the payment host (ethernet, wifi, "
       "cellular, other)"},
      {"recorder.incident.recent.count", FactType::kInt, "",
       "incident reports in the last 24 hours, this one included"},
      {"recorder.incident.recent.not_cellular", FactType::kInt, "",
       "of those, the ones whose route to the payment host was not cellular"},
      {"recorder.incident.recent.dns_failed", FactType::kInt, "",
       "of those, the ones taken while the payment host's name did not resolve"},
  });
}

}  // namespace posdiag::agent::probes
