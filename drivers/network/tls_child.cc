#include "drivers/network/tls_child.h"

#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <nlohmann/json.hpp>
#include <optional>

#include "drivers/io/companion.h"

namespace posdiag::drivers::network {
namespace {

using json = nlohmann::json;

constexpr std::array kKinds = {ErrorKind::kNotFound, ErrorKind::kPermission, ErrorKind::kTimeout,
                               ErrorKind::kIo,       ErrorKind::kParse,      ErrorKind::kBusy,
                               ErrorKind::kInvalid,  ErrorKind::kUnsupported};

json ErrorJson(const Error& e) {
  return {{"error", {{"kind", ErrorKindName(e.kind)}, {"detail", e.detail}}}};
}

json OptionalInt(const std::optional<std::int64_t>& v) { return v ? json(*v) : json(nullptr); }

std::optional<std::int64_t> IntOrNone(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<std::int64_t>();
}

// The companion's error, when its answer is one.
std::optional<Error> AnswerError(const json& j) {
  const auto it = j.find("error");
  if (it == j.end()) return std::nullopt;
  const std::string kind = it->at("kind").get<std::string>();
  Error e{ErrorKind::kIo, it->at("detail").get<std::string>()};
  for (ErrorKind k : kKinds) {
    if (ErrorKindName(k) == kind) e.kind = k;
  }
  return e;
}

// Reads one part of the companion's answer (an object: the part's own error, or what `read`
// makes of it); any shape other than the expected one is an error of the companion (kIo), never a
// verdict on what it was given.
template <typename T, typename Read>
Result<T> ReadPart(const json& j, Read read) {
  if (!j.is_object()) {
    return Error{ErrorKind::kIo, "posdiag-tls: an answer that is not a JSON object"};
  }
  try {
    if (auto e = AnswerError(j)) return *e;
    return read(j);
  } catch (const json::exception& e) {
    return Error{ErrorKind::kIo, std::string("posdiag-tls: a malformed answer: ") + e.what()};
  }
}

json TlsJson(const Result<TlsReading>& reading) {
  if (!reading) return ErrorJson(reading.error());
  const TlsReading& r = *reading;
  return {{"handshake_ok", r.handshake_ok},
          {"outcome", TlsOutcomeName(r.outcome)},
          {"message", r.error},
          {"bytes_received", r.bytes_received},
          {"protocol", r.protocol},
          {"alert", r.alert ? json(*r.alert) : json(nullptr)},
          {"client_cert_requested", r.client_cert_requested},
          {"client_cert_sent", r.client_cert_sent},
          {"client_cert_error", r.client_cert_error},
          {"certificate_seen", r.certificate_seen},
          {"verify_code", r.verify_code},
          {"verify_result", r.verify_result},
          {"chain_trusted", r.chain_trusted},
          {"hostname_match", r.hostname_match},
          {"not_before_epoch_s", OptionalInt(r.not_before_epoch_s)},
          {"not_after_epoch_s", OptionalInt(r.not_after_epoch_s)},
          {"elapsed_us", r.elapsed.count()}};
}

Result<TlsReading> ReadTls(const json& answer) {
  return ReadPart<TlsReading>(answer, [](const json& j) -> Result<TlsReading> {
    TlsReading r;
    r.handshake_ok = j.at("handshake_ok").get<bool>();
    const std::string outcome = j.at("outcome").get<std::string>();
    const auto parsed = ParseTlsOutcome(outcome);
    if (!parsed) return Error{ErrorKind::kIo, "posdiag-tls: an unknown outcome " + outcome};
    r.outcome = *parsed;
    r.error = j.at("message").get<std::string>();
    r.bytes_received = j.at("bytes_received").get<std::uint64_t>();
    r.protocol = j.at("protocol").get<std::string>();
    if (!j.at("alert").is_null()) r.alert = j.at("alert").get<int>();
    r.client_cert_requested = j.at("client_cert_requested").get<bool>();
    r.client_cert_sent = j.at("client_cert_sent").get<bool>();
    r.client_cert_error = j.at("client_cert_error").get<std::string>();
    r.certificate_seen = j.at("certificate_seen").get<bool>();
    r.verify_code = j.at("verify_code").get<long>();
    r.verify_result = j.at("verify_result").get<std::string>();
    r.chain_trusted = j.at("chain_trusted").get<bool>();
    r.hostname_match = j.at("hostname_match").get<bool>();
    r.not_before_epoch_s = IntOrNone(j, "not_before_epoch_s");
    r.not_after_epoch_s = IntOrNone(j, "not_after_epoch_s");
    r.elapsed = std::chrono::microseconds(j.at("elapsed_us").get<std::int64_t>());
    return r;
  });
}

json PemJson(const Result<std::vector<CertificateInfo>>& certificates) {
  if (!certificates) return ErrorJson(certificates.error());
  json list = json::array();
  for (const CertificateInfo& c : *certificates) {
    list.push_back({{"subject", c.subject},
                    {"not_before_epoch_s", OptionalInt(c.not_before_epoch_s)},
                    {"not_after_epoch_s", OptionalInt(c.not_after_epoch_s)}});
  }
  return json{{"certificates", std::move(list)}};
}

Result<std::vector<CertificateInfo>> ReadPem(const json& answer) {
  return ReadPart<std::vector<CertificateInfo>>(
      answer, [](const json& j) -> Result<std::vector<CertificateInfo>> {
        std::vector<CertificateInfo> out;
        for (const json& c : j.at("certificates")) {
          CertificateInfo info;
          info.subject = c.at("subject").get<std::string>();
          info.not_before_epoch_s = IntOrNone(c, "not_before_epoch_s");
          info.not_after_epoch_s = IntOrNone(c, "not_after_epoch_s");
          out.push_back(std::move(info));
        }
        // As ParsePemCertificates says it; the companion itself sends this as an error.
        if (out.empty()) return Error{ErrorKind::kParse, "no PEM certificate"};
        return out;
      });
}

// What a run of the companion came to: its answer, or why there is none.
Result<std::string> Answer(const Result<io::CompanionRun>& run) {
  if (!run) return run.error().Context("posdiag-tls");
  if (run->signal != 0) {
    return Error{ErrorKind::kIo, "posdiag-tls: ended by signal " + std::to_string(run->signal)};
  }
  if (run->exit_status != 0 && run->output.empty()) {
    return Error{ErrorKind::kIo,
                 "posdiag-tls: exited with status " + std::to_string(run->exit_status)};
  }
  return run->output;
}

}  // namespace

namespace {

// A memory file holding `text`, read from its start: the companion's standard input. A file
// rather than a pipe, so a text larger than a pipe holds needs no writer beside the run.
Result<UniqueFd> MemoryFile(std::string_view text) {
  UniqueFd file(::memfd_create("pem", MFD_CLOEXEC));
  if (!file.valid()) return ErrnoError("memfd_create", errno);
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(file.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ErrnoError("memfd write", errno);
    done += static_cast<std::size_t>(n);
  }
  if (::lseek(file.get(), 0, SEEK_SET) != 0) return ErrnoError("memfd seek", errno);
  return file;
}

std::int64_t DeadlineMs(io::Deadline deadline) {
  return std::chrono::floor<std::chrono::milliseconds>(deadline.at().time_since_epoch()).count();
}

}  // namespace

std::string EncodeTlsAnswer(const Result<TlsReading>& reading) { return TlsJson(reading).dump(); }

Result<TlsReading> DecodeTlsAnswer(std::string_view text) {
  return ReadTls(json::parse(text, nullptr, false));
}

std::string EncodePemAnswer(const Result<std::vector<CertificateInfo>>& certificates) {
  return PemJson(certificates).dump();
}

Result<std::vector<CertificateInfo>> DecodePemAnswer(std::string_view text) {
  return ReadPem(json::parse(text, nullptr, false));
}

std::string EncodeCheckAnswer(const TlsCheckResult& result) {
  json j = json::object();
  if (result.ca) j["ca"] = PemJson(*result.ca);
  if (result.client) j["client"] = PemJson(*result.client);
  if (result.handshake) j["handshake"] = TlsJson(*result.handshake);
  return j.dump();
}

TlsCheckResult FailedCheck(const TlsCheckRequest& request, const Error& error) {
  TlsCheckResult result;
  if (request.ca_pem) result.ca = error;
  if (request.client_pem) result.client = error;
  if (request.handshake) result.handshake = error;
  return result;
}

TlsCheckResult DecodeCheckAnswer(std::string_view text, const TlsCheckRequest& request) {
  const json j = json::parse(text, nullptr, false);
  if (!j.is_object()) {
    return FailedCheck(request,
                       Error{ErrorKind::kIo, "posdiag-tls: an answer that is not a JSON object"});
  }
  try {
    if (auto e = AnswerError(j)) return FailedCheck(request, *e);
  } catch (const json::exception& e) {
    return FailedCheck(request, Error{ErrorKind::kIo,
                                      std::string("posdiag-tls: a malformed answer: ") + e.what()});
  }
  const auto part = [&](const char* key) -> const json& {
    static const json kMissing = json(nullptr);
    const auto it = j.find(key);
    return it == j.end() ? kMissing : *it;
  };
  TlsCheckResult result;
  if (request.ca_pem) result.ca = ReadPem(part("ca"));
  if (request.client_pem) result.client = ReadPem(part("client"));
  if (request.handshake) result.handshake = ReadTls(part("handshake"));
  return result;
}

std::string EncodeCheckRequest(const TlsCheckRequest& request, io::Deadline deadline) {
  const TlsOptions& o = request.options;
  json j = {{"deadline_ms", DeadlineMs(deadline)}};
  if (request.ca_pem) j["ca_pem_bytes"] = request.ca_pem->size();
  if (request.client_pem) j["client_pem_bytes"] = request.client_pem->size();
  if (request.handshake) {
    j["handshake"] = {{"identity", o.identity},
                      {"sni", o.server_name},
                      {"ca_file", o.ca_file.string()},
                      {"client_cert", o.client_cert.string()},
                      {"client_key", o.client_key.string()},
                      {"verdict_wait_ms", o.verdict_wait.count()}};
  }
  // The request's line is JSON of names and numbers only (dump escapes what a path holds that is
  // not UTF-8 as it can: a path that is not UTF-8 is refused here rather than mangled).
  std::string text = j.dump(-1, ' ', true, json::error_handler_t::strict) + "\n";
  if (request.ca_pem) text += *request.ca_pem;
  if (request.client_pem) text += *request.client_pem;
  return text;
}

Result<DecodedRequest> DecodeCheckRequest(std::string_view text) {
  const std::size_t eol = text.find('\n');
  if (eol == std::string_view::npos) return Error{ErrorKind::kInvalid, "no request line"};
  const json j = json::parse(text.substr(0, eol), nullptr, false);
  if (!j.is_object()) return Error{ErrorKind::kInvalid, "the request line is not a JSON object"};
  try {
    DecodedRequest out;
    out.deadline_ms = j.at("deadline_ms").get<std::int64_t>();
    if (out.deadline_ms <= 0) return Error{ErrorKind::kInvalid, "deadline_ms must be positive"};
    std::string_view rest = text.substr(eol + 1);
    const auto take = [&](const char* key) -> Result<std::optional<std::string>> {
      const auto it = j.find(key);
      if (it == j.end()) return std::optional<std::string>();
      const auto n = it->get<std::uint64_t>();
      if (n > rest.size())
        return Error{ErrorKind::kInvalid, std::string(key) + " beyond the input"};
      std::optional<std::string> part(std::string(rest.substr(0, n)));
      rest.remove_prefix(n);
      return part;
    };
    auto ca = take("ca_pem_bytes");
    if (!ca) return ca.error();
    auto client = take("client_pem_bytes");
    if (!client) return client.error();
    if (!rest.empty())
      return Error{ErrorKind::kInvalid, "input beyond the texts the request names"};
    out.request.ca_pem = std::move(*ca);
    out.request.client_pem = std::move(*client);
    if (const auto it = j.find("handshake"); it != j.end()) {
      TlsOptions& o = out.request.options;
      out.request.handshake = true;
      o.identity = it->at("identity").get<std::string>();
      if (o.identity.empty()) return Error{ErrorKind::kInvalid, "the handshake names no identity"};
      o.server_name = it->at("sni").get<std::string>();
      o.ca_file = it->at("ca_file").get<std::string>();
      o.client_cert = it->at("client_cert").get<std::string>();
      o.client_key = it->at("client_key").get<std::string>();
      const auto wait = it->at("verdict_wait_ms").get<std::int64_t>();
      if (wait < 0 || wait > 60'000)
        return Error{ErrorKind::kInvalid, "verdict_wait_ms out of range"};
      o.verdict_wait = std::chrono::milliseconds(wait);
    }
    return out;
  } catch (const json::exception& e) {
    return Error{ErrorKind::kInvalid, std::string("a malformed request: ") + e.what()};
  }
}

TlsCheckResult CheckTlsInChild(const std::filesystem::path& program, UniqueFd socket,
                               const TlsCheckRequest& request, io::Deadline deadline) {
  std::string text;
  try {
    text = EncodeCheckRequest(request, deadline);
  } catch (const json::exception& e) {
    return FailedCheck(request,
                       Error{ErrorKind::kInvalid, std::string("posdiag-tls: ") + e.what()});
  }
  auto input = MemoryFile(text);
  if (!input) return FailedCheck(request, input.error());
  // The companion keeps its own deadline; this one, a little later, is for a companion that
  // cannot (stopped, or stuck before its clock starts).
  const io::Deadline outer(deadline.at() + std::chrono::milliseconds(40));
  auto answer = Answer(io::RunCompanion(
      program, {}, {.stdin_fd = input->get(), .extra_fd = request.handshake ? socket.get() : -1},
      outer));
  socket.Reset();
  if (!answer) return FailedCheck(request, answer.error());
  return DecodeCheckAnswer(*answer, request);
}

Result<TlsReading> HandshakeInChild(const std::filesystem::path& program, UniqueFd socket,
                                    const TlsOptions& options, io::Deadline deadline) {
  TlsCheckRequest request;
  request.options = options;
  request.handshake = true;
  return *CheckTlsInChild(program, std::move(socket), request, deadline).handshake;
}

Result<std::vector<CertificateInfo>> ParsePemInChild(const std::filesystem::path& program,
                                                     std::string_view pem, io::Deadline deadline) {
  TlsCheckRequest request;
  request.ca_pem = std::string(pem);
  return *CheckTlsInChild(program, UniqueFd(), request, deadline).ca;
}

}  // namespace posdiag::drivers::network
