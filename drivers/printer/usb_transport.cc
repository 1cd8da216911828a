#include "drivers/printer/usb_transport.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string>

#include "drivers/base/text.h"

namespace posdiag::drivers::printer {
namespace {

// A drain read waits this long for bytes nobody asked for; a few of them at most.
constexpr std::chrono::milliseconds kDrainWait{20};
constexpr int kMaxDrainReads = 8;
// Bounds on what a device ID can make us keep.
constexpr std::size_t kMaxFields = 64;
constexpr std::size_t kMaxValue = 256;
// Bulk IN transfers are read a packet at a time; a full-speed bulk packet is 64 bytes.
constexpr std::size_t kDefaultPacket = 64;

io::Deadline Earlier(io::Deadline a, io::Deadline b) { return a.at() < b.at() ? a : b; }

std::string Printable(std::string_view s, std::size_t max) {
  std::string out;
  for (char c : s.substr(0, max)) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u >= 0x20 && u < 0x7F ? c : '?');
  }
  return out;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Result<Ieee1284Id> ParseIeee1284Id(std::span<const std::uint8_t> reply) {
  if (reply.size() < 2) {
    return Error{ErrorKind::kParse, "device ID of " + std::to_string(reply.size()) +
                                        " byte(s): no 2-byte length field"};
  }
  Ieee1284Id id;
  // The length counts its own two bytes. Some printers send it little-endian, as CUPS knows.
  const std::size_t big = (std::size_t{reply[0]} << 8) | reply[1];
  const std::size_t little = (std::size_t{reply[1]} << 8) | reply[0];
  std::size_t length = 0;
  if (big >= 2 && big <= reply.size()) {
    length = big;
  } else if (little >= 2 && little <= reply.size()) {
    length = little;
    id.length_little_endian = true;
  } else {
    return Error{ErrorKind::kParse, "device ID length field " + std::to_string(big) +
                                        " does not fit the " + std::to_string(reply.size()) +
                                        " byte(s) received"};
  }
  const std::string_view text(reinterpret_cast<const char*>(reply.data()) + 2, length - 2);
  std::size_t pos = 0;
  while (pos < text.size() && id.fields.size() < kMaxFields) {
    std::size_t end = text.find(';', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view field = text.substr(pos, end - pos);
    pos = end + 1;
    const std::size_t colon = field.find(':');
    if (colon == std::string_view::npos) continue;  // padding, a stray NUL, a broken field
    std::string key = Upper(Printable(Trim(field.substr(0, colon)), kMaxValue));
    if (key.empty()) continue;
    std::string value = Printable(Trim(field.substr(colon + 1)), kMaxValue);
    if (key == "MFG" || key == "MANUFACTURER") {
      if (!id.manufacturer) id.manufacturer = value;
    } else if (key == "MDL" || key == "MODEL") {
      if (!id.model) id.model = value;
    } else if (key == "CMD" || key == "COMMAND SET" || key == "COMMANDSET") {
      if (!id.command_set) id.command_set = value;
    } else if (key == "DES" || key == "DESCRIPTION") {
      if (!id.description) id.description = value;
    }
    id.fields.emplace_back(std::move(key), std::move(value));
  }
  if (id.fields.empty()) {
    return Error{ErrorKind::kParse,
                 "device ID of " + std::to_string(length) + " byte(s) holds no KEY:value field"};
  }
  return id;
}

std::optional<UsbPrinterLocation> FindUsbPrinter(
    const std::vector<io::UsbDeviceInfo>& devices,
    std::optional<std::pair<std::uint16_t, std::uint16_t>> id) {
  const auto printer_class = [](const io::UsbInterface& itf) {
    return itf.interface_class == kPrinterClass && itf.subclass == kPrinterSubclass;
  };
  const auto bulk_out = [](const io::UsbInterface& itf) {
    return std::any_of(itf.endpoints.begin(), itf.endpoints.end(),
                       [](const io::UsbEndpoint& ep) { return ep.Bulk() && !ep.In(); });
  };
  for (const io::UsbDeviceInfo& d : devices) {
    if (id && (d.vid != id->first || d.pid != id->second)) continue;
    auto it = std::find_if(d.interfaces.begin(), d.interfaces.end(), printer_class);
    if (it == d.interfaces.end() && id) {
      it = std::find_if(d.interfaces.begin(), d.interfaces.end(), bulk_out);
    }
    if (it != d.interfaces.end()) return UsbPrinterLocation{d, *it};
  }
  return std::nullopt;
}

Result<std::unique_ptr<UsbTransport>> UsbTransport::Make(std::unique_ptr<io::UsbDevice> device,
                                                         const io::UsbInterface& itf) {
  std::optional<std::uint8_t> out, in;
  std::size_t in_packet = kDefaultPacket;
  for (const io::UsbEndpoint& ep : itf.endpoints) {
    if (!ep.Bulk()) continue;
    if (ep.In() && !in) {
      in = ep.address;
      if (ep.max_packet > 0) in_packet = ep.max_packet;
    }
    if (!ep.In() && !out) out = ep.address;
  }
  if (!out) {
    return Error{ErrorKind::kUnsupported,
                 "printer interface " + std::to_string(itf.number) + " has no bulk OUT endpoint"};
  }
  return std::unique_ptr<UsbTransport>(
      new UsbTransport(std::move(device), itf, *out, in, in_packet));
}

Result<void> UsbTransport::Write(std::span<const std::uint8_t> bytes, io::Deadline deadline) {
  return device_->BulkWrite(out_, bytes, deadline);
}

Result<std::size_t> UsbTransport::Read(std::span<std::uint8_t> buffer, io::Deadline deadline) {
  if (!in_) {
    return Error{ErrorKind::kUnsupported, "the printer interface has no bulk IN endpoint"};
  }
  while (kept_.empty()) {
    if (deadline.Expired()) return std::size_t{0};
    // A whole packet, so a printer that sends more than asked for cannot overflow the transfer.
    std::vector<std::uint8_t> packet(in_packet_);
    auto n = device_->BulkRead(*in_, packet, deadline);
    if (!n) {
      if (n.error().kind == ErrorKind::kTimeout) return std::size_t{0};
      return n.error().Context("printer bulk read");
    }
    kept_.insert(kept_.end(), packet.begin(),
                 packet.begin() + static_cast<std::ptrdiff_t>(std::min(*n, packet.size())));
  }
  const std::size_t count = std::min(buffer.size(), kept_.size());
  std::copy_n(kept_.begin(), count, buffer.begin());
  kept_.erase(kept_.begin(), kept_.begin() + static_cast<std::ptrdiff_t>(count));
  return count;
}

Result<void> UsbTransport::DiscardInput() {
  kept_.clear();
  if (!in_) return Ok();
  for (int i = 0; i < kMaxDrainReads; ++i) {
    std::vector<std::uint8_t> packet(in_packet_);
    auto n = device_->BulkRead(*in_, packet, io::Deadline::In(kDrainWait));
    if (!n) {
      if (n.error().kind == ErrorKind::kTimeout) return Ok();
      return n.error().Context("printer: discard input");
    }
    if (*n == 0) return Ok();
  }
  return Ok();
}

Result<Ieee1284Id> UsbTransport::DeviceId(io::Deadline deadline) {
  std::vector<std::uint8_t> reply(kMaxDeviceIdLength);
  const auto index = static_cast<std::uint16_t>((interface_ << 8) | alt_setting_);
  auto n = device_->Control(kGetDeviceIdRequestType, kGetDeviceIdRequest, 0 /* config index */,
                            index, reply, Earlier(deadline, io::Deadline::In(kDrainWait * 50)));
  if (!n) return n.error().Context("GET_DEVICE_ID");
  reply.resize(std::min(*n, reply.size()));
  return ParseIeee1284Id(reply);
}

Result<std::unique_ptr<UsbTransport>> OpenUsbTransport(const io::UsbDeviceInfo& device,
                                                       const io::UsbInterface& itf) {
  auto opened = io::OpenUsbDevice(device);
  if (!opened) return opened.error().Context("printer");
  return ClaimUsbTransport(std::move(*opened), itf);
}

Result<std::unique_ptr<UsbTransport>> ClaimUsbTransport(std::unique_ptr<io::UsbDevice> device,
                                                        const io::UsbInterface& itf) {
  if (auto claimed = device->Claim(itf.number); !claimed) {
    return claimed.error().Context("printer");
  }
  return UsbTransport::Make(std::move(device), itf);
}

}  // namespace posdiag::drivers::printer
