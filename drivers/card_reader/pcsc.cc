#include "drivers/card_reader/pcsc.h"

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

#include <cstdio>
#include <string>

namespace posdiag::drivers::card_reader {
namespace {

Error PcscError(std::string_view what, LONG rc) {
  ErrorKind kind = ErrorKind::kIo;
  switch (rc) {
    case static_cast<LONG>(SCARD_E_NO_SERVICE):
    case static_cast<LONG>(SCARD_E_SERVICE_STOPPED):
    case static_cast<LONG>(SCARD_E_NO_READERS_AVAILABLE):
    case static_cast<LONG>(SCARD_E_UNKNOWN_READER):
      kind = ErrorKind::kNotFound;
      break;
    case static_cast<LONG>(SCARD_E_TIMEOUT):
      kind = ErrorKind::kTimeout;
      break;
    case static_cast<LONG>(SCARD_E_NO_ACCESS):
      kind = ErrorKind::kPermission;
      break;
    case static_cast<LONG>(SCARD_E_SHARING_VIOLATION):
      kind = ErrorKind::kBusy;
      break;
    default:
      break;
  }
  return Error{kind, std::string(what) + ": " + pcsc_stringify_error(rc)};
}

class Context {
 public:
  ~Context() {
    if (ok_) SCardReleaseContext(ctx_);
  }
  LONG Establish() {
    const LONG rc = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx_);
    ok_ = rc == SCARD_S_SUCCESS;
    return rc;
  }
  SCARDCONTEXT get() const { return ctx_; }

 private:
  SCARDCONTEXT ctx_ = 0;
  bool ok_ = false;
};

}  // namespace

Result<std::vector<PcscReaderState>> ReadPcscReaders(io::Deadline deadline) {
  Context ctx;
  if (const LONG rc = ctx.Establish(); rc != SCARD_S_SUCCESS) return PcscError("pcscd", rc);
  DWORD size = 0;
  LONG rc = SCardListReaders(ctx.get(), nullptr, nullptr, &size);
  if (rc != SCARD_S_SUCCESS) return PcscError("list readers", rc);
  std::string names(size, '\0');
  rc = SCardListReaders(ctx.get(), nullptr, names.data(), &size);
  if (rc != SCARD_S_SUCCESS) return PcscError("list readers", rc);
  names.resize(size);

  std::vector<std::string> list;
  for (std::size_t at = 0; at < names.size() && names[at] != '\0';) {
    const std::size_t end = names.find('\0', at);
    list.push_back(names.substr(at, end - at));
    if (end == std::string::npos) break;
    at = end + 1;
  }
  if (list.empty()) return Error{ErrorKind::kNotFound, "pcscd knows no reader"};

  std::vector<SCARD_READERSTATE> states(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    states[i].szReader = list[i].c_str();
    states[i].dwCurrentState = SCARD_STATE_UNAWARE;
  }
  const auto ms = static_cast<DWORD>(deadline.Remaining().count());
  if (ms == 0) return Error{ErrorKind::kTimeout, "pcscd: deadline passed"};
  // With SCARD_STATE_UNAWARE the call returns the current state at once; the timeout bounds a
  // pcscd that does not answer.
  rc = SCardGetStatusChange(ctx.get(), ms, states.data(), static_cast<DWORD>(states.size()));
  if (rc != SCARD_S_SUCCESS) return PcscError("reader status", rc);

  std::vector<PcscReaderState> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const DWORD s = states[i].dwEventState;
    PcscReaderState r;
    r.name = list[i];
    r.present = (s & SCARD_STATE_PRESENT) != 0;
    r.mute = (s & SCARD_STATE_MUTE) != 0;
    r.in_use = (s & SCARD_STATE_INUSE) != 0;
    r.exclusive = (s & SCARD_STATE_EXCLUSIVE) != 0;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace posdiag::drivers::card_reader
