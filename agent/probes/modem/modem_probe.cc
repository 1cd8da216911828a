#include "agent/probes/modem/modem_probe.h"

#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <system_error>

#include "agent/fact_util.h"
#include "drivers/io/serial_port.h"
#include "drivers/modem/modem.h"

namespace posdiag::agent::probes {
namespace {

namespace md = drivers::modem;

// Facts are written well before the runner's deadline, so a slow modem still yields them.
constexpr std::chrono::milliseconds kReserve{150};

// Everything the AT dialogue measures; missing together when the dialogue cannot happen.
constexpr const char* kDialogueFacts[] = {
    "modem.responds",  "modem.garbled",     "modem.identity",       "modem.sim.status",
    "modem.sim.ready", "modem.signal.rssi", "modem.signal.dbm",     "modem.signal.ber",
    "modem.reg.stat",  "modem.reg.state",   "modem.reg.registered", "modem.reg.source",
    "modem.operator",  "modem.access_tech"};

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
  if (!r.responds) {
    AllMissing(out, "the modem does not answer: " + r.no_answer.detail, 2);
    return;
  }
  SetOrMissing(out, "modem.identity", r.identity);
  SetOrMissing(out, "modem.sim.status", r.sim_status);
  if (r.sim_status) {
    out.Set("modem.sim.ready", *r.sim_status == "READY");
  } else {
    out.Missing("modem.sim.ready", r.sim_status.error().detail);
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

std::vector<SectionSpec> ModemProbe::ConfigSections() const {
  return {{"modem", {{"port", ValueType::kString}, {"baud", ValueType::kInt, 300, 4'000'000}}}};
}

Support ModemProbe::CheckSupport(const ProbeContext& ctx) {
  const std::string port = ctx.section.GetString("port", std::string(kDefaultPort));
  if (port.empty() || port.front() != '/') {
    return Support::NotConfigured("[modem] port must be an absolute path, not '" + port + "'");
  }
  return Support::Yes();
}

Result<void> ModemProbe::Measure(const ProbeContext& ctx, FactWriter& out) {
  const std::string port = ctx.section.GetString("port", std::string(kDefaultPort));
  const auto baud = static_cast<int>(ctx.section.GetInt("baud", kDefaultBaud));
  out.Set("modem.port.path", port);
  const std::filesystem::path path = ctx.fs.Path(port);

  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      out.Set("modem.port.present", false);
      out.Missing("modem.port.busy", "no device at " + port);
      AllMissing(out, "no device at " + port);
      return Ok();
    }
    const Error e = ErrnoError(port, err);
    out.Missing("modem.port.present", e.detail);
    out.Missing("modem.port.busy", e.detail);
    AllMissing(out, e.detail);
    return e;
  }
  out.Set("modem.port.present", true);

  // The payment application (or ModemManager, or a PPP daemon) may have the modem open: then it is
  // theirs, and an AT command from us could break their session.
  std::error_code ec;
  const std::filesystem::path device = std::filesystem::canonical(path, ec);
  const io::Deadline deadline(ctx.deadline.at() - kReserve);
  if (auto holder = io::FindDeviceHolder(ctx.fs, ec ? path : device, deadline)) {
    out.Set("modem.port.busy", true);
    const std::string who = (holder->comm.empty() ? std::string("pid ") : holder->comm + " pid ") +
                            std::to_string(holder->pid);
    out.Set("modem.port.holder", who);
    AllMissing(out, port + " is in use by " + who + "; posdiag sends nothing to it");
    return Ok();
  }

  auto opened = io::OpenSerialPort(path, {.baud = baud});
  if (!opened && opened.error().kind == ErrorKind::kBusy) {
    out.Set("modem.port.busy", true);  // held exclusively (TIOCEXCL) by a process we cannot see
    out.Missing("modem.port.holder", opened.error().detail);
    AllMissing(out, port + " is in use; posdiag sends nothing to it");
    return Ok();
  }
  out.Set("modem.port.busy", false);
  if (!opened) {
    const Error e = opened.error().Context("modem: open " + port);
    AllMissing(out, e.detail);
    return e;
  }
  WriteReading(md::QueryModem(**opened, deadline, ctx.stop), out);
  return Ok();
}

}  // namespace posdiag::agent::probes
