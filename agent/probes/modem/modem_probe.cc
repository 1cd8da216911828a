#include "agent/probes/modem/modem_probe.h"

#include <chrono>
#include <string>

#include "agent/fact_util.h"
#include "agent/serial_access.h"
#include "drivers/io/serial_port.h"
#include "drivers/modem/modem.h"

namespace posdiag::agent::probes {
namespace {

namespace md = drivers::modem;

// Facts are written well before the runner's deadline, so a slow modem still yields them.
constexpr std::chrono::milliseconds kReserve{150};

// Everything the AT dialogue measures; missing together when the dialogue cannot happen.
constexpr const char* kDialogueFacts[] = {
    "modem.responds",        "modem.garbled",     "modem.connection_lost", "modem.restarted",
    "modem.numeric_errors",  "modem.identity",    "modem.sim.status",      "modem.sim.ready",
    "modem.sim.state_known", "modem.signal.rssi", "modem.signal.dbm",      "modem.signal.ber",
    "modem.reg.stat",        "modem.reg.state",   "modem.reg.registered",  "modem.reg.source",
    "modem.operator",        "modem.access_tech"};

void AllMissing(FactWriter& out, const std::string& why, std::size_t from = 0) {
  for (std::size_t i = from; i < std::size(kDialogueFacts); ++i) {
    out.Missing(kDialogueFacts[i], why);
  }
}

void WriteSignal(const Result<md::Signal>& signal, FactWriter& out) {
  if (!signal) {
    for (const char* name : {"modem.signal.rssi", "modem.signal.dbm", "modem.signal.ber"}) {
      out.Missing(name, signal.error().detail);
    }
    return;
  }
  out.Set("modem.signal.rssi", std::int64_t{signal->rssi});
  if (signal->dbm) {
    out.Set("modem.signal.dbm", std::int64_t{*signal->dbm}, "dBm");
  } else {
    out.Missing("modem.signal.dbm", "the modem does not know the signal strength (+CSQ rssi 99)");
  }
  if (signal->ber) {
    out.Set("modem.signal.ber", std::int64_t{*signal->ber});
  } else {
    out.Missing("modem.signal.ber", "the modem does not know the bit error rate (+CSQ ber 99)");
  }
}

// LTE registration (+CEREG) when the modem is registered there, else the circuit-switched one
// (+CREG), which 2G/3G-only modems and modems still searching report.
void WriteRegistration(const md::ModemReading& r, FactWriter& out) {
  const Result<md::Registration>* use = nullptr;
  const char* source = "";
  if (r.cereg && md::IsRegistered(r.cereg->stat)) {
    use = &r.cereg;
    source = "CEREG";
  } else if (r.creg) {
    use = &r.creg;
    source = "CREG";
  } else if (r.cereg) {
    use = &r.cereg;
    source = "CEREG";
  }
  if (use == nullptr) {
    const std::string why = r.creg.error().detail + "; " + r.cereg.error().detail;
    for (const char* name :
         {"modem.reg.stat", "modem.reg.state", "modem.reg.registered", "modem.reg.source"}) {
      out.Missing(name, why);
    }
    return;
  }
  const int stat = (*use)->stat;
  out.Set("modem.reg.stat", std::int64_t{stat});
  out.Set("modem.reg.state", std::string(md::RegistrationState(stat)));
  out.Set("modem.reg.registered", md::IsRegistered(stat));
  out.Set("modem.reg.source", std::string(source));
}

void WriteOperator(const Result<md::Operator>& op, FactWriter& out) {
  if (!op) {
    out.Missing("modem.operator", op.error().detail);
    out.Missing("modem.access_tech", op.error().detail);
    return;
  }
  if (op->name) {
    out.Set("modem.operator", *op->name);
  } else {
    out.Missing("modem.operator", "no operator selected (+COPS: " + std::to_string(op->mode) + ")");
  }
  if (op->access_tech) {
    out.Set("modem.access_tech", std::string(md::AccessTechName(*op->access_tech)));
  } else {
    out.Missing("modem.access_tech", "+COPS gives no access technology");
  }
}

void WriteReading(const md::ModemReading& r, FactWriter& out) {
  out.Set("modem.responds", r.responds);
  out.Set("modem.garbled", r.garbled);
  out.Set("modem.connection_lost", r.connection_lost);
  out.Set("modem.restarted", r.restarted);
  if (!r.responds) {
    AllMissing(out, "the modem does not answer: " + r.no_answer.detail, 4);
    return;
  }
  if (r.numeric_errors) {
    out.Set("modem.numeric_errors", true);
  } else if (r.numeric_errors.error().kind == ErrorKind::kUnsupported) {
    out.Set("modem.numeric_errors", false);  // refused: its errors are a bare ERROR
  } else {
    out.Missing("modem.numeric_errors", r.numeric_errors.error().detail);
  }
  SetOrMissing(out, "modem.identity", r.identity);
  SetOrMissing(out, "modem.sim.status", r.sim_status);
  if (r.sim_status) {
    out.Set("modem.sim.ready", *r.sim_status == "READY");
    out.Set("modem.sim.state_known", true);
  } else {
    out.Missing("modem.sim.ready", r.sim_status.error().detail);
    // Answered with an error that names no state: known to be unknown, which a rule can judge.
    // No answer at all stays missing.
    if (r.sim_state_unknown) {
      out.Set("modem.sim.state_known", false);
    } else {
      out.Missing("modem.sim.state_known", r.sim_status.error().detail);
    }
  }
  WriteSignal(r.signal, out);
  WriteRegistration(r, out);
  WriteOperator(r.op, out);
  if (r.cme_code) {
    out.Set("modem.cme_error_code", std::int64_t{*r.cme_code});
    out.Set("modem.cme_error", std::to_string(*r.cme_code) + ": " + r.cme_text);
  } else if (!r.cme_text.empty()) {
    out.Set("modem.cme_error", r.cme_text);
  }
}

}  // namespace

std::vector<rules::FactSpec> ModemProbe::Facts() const {
  using rules::FactType;
  return rules::MakeFacts({
      {"modem.port.path", FactType::kText, "", "the [modem] port"},
      {"modem.port.present", FactType::kBool, "", "the port exists"},
      {"modem.port.busy", FactType::kBool, "", "another process holds it: not tested, not a fault"},
      {"modem.port.holder", FactType::kText, "", "the process that holds it (\"pppd pid 812\")"},
      {"modem.port.busy_unknown", FactType::kBool, "",
       "posdiag could not rule out a holder it may not see, and sent nothing"},
      {"modem.responds", FactType::kBool, "", "answers AT with a final result"},
      {"modem.garbled", FactType::kBool, "", "sent bytes to AT, but never a readable reply"},
      {"modem.connection_lost", FactType::kBool, "",
       "the port failed in the middle of the AT dialogue (closed, I/O error): the rest not asked"},
      {"modem.restarted", FactType::kBool, "",
       "the modem restarted while a command was outstanding (RDY instead of the answer): the "
       "rest not asked"},
      {"modem.numeric_errors", FactType::kBool, "",
       "AT+CMEE=1 accepted: errors come as +CME ERROR codes, not a bare ERROR"},
      {"modem.identity", FactType::kText, "", "ATI: manufacturer, model, revision"},
      {"modem.sim.status", FactType::kText, "",
       "+CPIN state (\"READY\", \"SIM PIN\"), or from +CME ERROR 10-15 (\"not inserted\")"},
      {"modem.sim.ready", FactType::kBool, "", "+CPIN: READY"},
      {"modem.sim.state_known", FactType::kBool, "",
       "AT+CPIN? gave the SIM's state; false when answered with an error naming none (bare ERROR)"},
      {"modem.signal.rssi", FactType::kInt, "", "+CSQ rssi, 0-31, 99 = not known"},
      {"modem.signal.dbm", FactType::kInt, "dBm", "signal strength: -113 + 2 x rssi"},
      {"modem.signal.ber", FactType::kInt, "", "+CSQ bit error rate class, 0-7"},
      {"modem.reg.stat", FactType::kInt, "", "+CEREG / +CREG stat"},
      {"modem.reg.state", FactType::kText, "", "home, roaming, searching, denied, ..."},
      {"modem.reg.registered", FactType::kBool, "", "registered, at home or roaming"},
      {"modem.reg.source", FactType::kText, "", "CEREG (LTE) or CREG, whichever was used"},
      {"modem.operator", FactType::kText, "", "+COPS operator name"},
      {"modem.access_tech", FactType::kText, "", "+COPS access technology (GSM, UMTS, LTE, ...)"},
      {"modem.cme_error_code", FactType::kInt, "", "the last +CME ERROR code"},
      {"modem.cme_error", FactType::kText, "", "the last +CME ERROR, code and text"},
  });
}

// The port's path is checked by the schema (ModemDevice); whether anything is there is measured.
Support ModemProbe::CheckSupport(const ProbeContext& /*ctx*/) { return Support::Yes(); }

Result<void> ModemProbe::Measure(const ProbeContext& ctx, FactWriter& out) {
  const std::string port = ctx.section.GetString("port");
  io::SerialSettings settings;
  settings.baud = static_cast<int>(ctx.section.GetInt("baud"));
  out.Set("modem.port.path", port);
  const io::Deadline deadline(ctx.deadline.at() - kReserve);
  // ModemManager, a PPP daemon or the payment application may hold the modem: then it is theirs,
  // and an AT command from us could break their session.
  auto access = OpenSerialForProbe(
      ctx, port, settings,
      {"modem.port.present", "modem.port.busy", "modem.port.holder", "modem.port.busy_unknown"},
      ctx.section.GetBool("shared"), deadline, out);
  if (!access.port) {
    AllMissing(out, access.why_not);
    return access.result;
  }
  WriteReading(md::QueryModem(*access.port, deadline, ctx.stop), out);
  return Ok();
}

}  // namespace posdiag::agent::probes
