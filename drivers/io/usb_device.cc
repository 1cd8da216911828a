#include "drivers/io/usb_device.h"

#include <libusb.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>

namespace posdiag::io {
namespace {

// Every libusb_error, so the compiler names a code a newer libusb adds.
ErrorKind KindOf(libusb_error code) {
  switch (code) {
    case LIBUSB_SUCCESS:
    case LIBUSB_ERROR_IO:
    case LIBUSB_ERROR_OVERFLOW:
    case LIBUSB_ERROR_PIPE:
    case LIBUSB_ERROR_INTERRUPTED:
    case LIBUSB_ERROR_NO_MEM:
    case LIBUSB_ERROR_OTHER:
      return ErrorKind::kIo;
    case LIBUSB_ERROR_INVALID_PARAM:
      return ErrorKind::kInvalid;
    case LIBUSB_ERROR_ACCESS:
      return ErrorKind::kPermission;
    case LIBUSB_ERROR_NO_DEVICE:
    case LIBUSB_ERROR_NOT_FOUND:
      return ErrorKind::kNotFound;
    case LIBUSB_ERROR_BUSY:
      return ErrorKind::kBusy;
    case LIBUSB_ERROR_TIMEOUT:
      return ErrorKind::kTimeout;
    case LIBUSB_ERROR_NOT_SUPPORTED:
      return ErrorKind::kUnsupported;
  }
  return ErrorKind::kIo;
}

Error UsbError(std::string_view what, int code) {
  const auto err = static_cast<libusb_error>(code);
  return Error{KindOf(err), std::string(what) + ": " + libusb_strerror(code)};
}

// libusb takes 0 as "no timeout"; a deadline already reached is refused before any transfer.
Result<unsigned> TimeoutMs(Deadline deadline) {
  const auto left = deadline.Remaining().count();
  if (left <= 0) return Error{ErrorKind::kTimeout, "deadline passed"};
  return static_cast<unsigned>(std::min<long long>(left, std::numeric_limits<int>::max()));
}

struct ContextDeleter {
  void operator()(libusb_context* ctx) const { libusb_exit(ctx); }
};
using ContextPtr = std::unique_ptr<libusb_context, ContextDeleter>;

Result<ContextPtr> NewContext() {
  libusb_context* ctx = nullptr;
  if (const int rc = libusb_init(&ctx); rc != 0) return UsbError("libusb init", rc);
  return ContextPtr(ctx);
}

UsbDeviceInfo Describe(libusb_device* dev) {
  UsbDeviceInfo info;
  info.bus = libusb_get_bus_number(dev);
  info.address = libusb_get_device_address(dev);
  libusb_device_descriptor dd{};
  if (libusb_get_device_descriptor(dev, &dd) != 0) return info;
  info.vid = dd.idVendor;
  info.pid = dd.idProduct;
  info.device_class = dd.bDeviceClass;
  libusb_config_descriptor* config = nullptr;
  if (libusb_get_active_config_descriptor(dev, &config) != 0 || config == nullptr) {
    // Not configured (or usbfs would not say): the first configuration is what it will use.
    if (libusb_get_config_descriptor(dev, 0, &config) != 0 || config == nullptr) return info;
  }
  for (int i = 0; i < config->bNumInterfaces; ++i) {
    const libusb_interface& itf = config->interface[i];
    for (int a = 0; a < itf.num_altsetting; ++a) {
      const libusb_interface_descriptor& d = itf.altsetting[a];
      UsbInterface out;
      out.number = d.bInterfaceNumber;
      out.alt_setting = d.bAlternateSetting;
      out.interface_class = d.bInterfaceClass;
      out.subclass = d.bInterfaceSubClass;
      out.protocol = d.bInterfaceProtocol;
      for (int e = 0; e < d.bNumEndpoints; ++e) {
        const libusb_endpoint_descriptor& ep = d.endpoint[e];
        out.endpoints.push_back({ep.bEndpointAddress, ep.bmAttributes, ep.wMaxPacketSize});
      }
      if (d.extra != nullptr && d.extra_length > 0) {
        out.extra.assign(d.extra, d.extra + d.extra_length);
      }
      info.interfaces.push_back(std::move(out));
    }
  }
  libusb_free_config_descriptor(config);
  return info;
}

class LibusbDevice final : public UsbDevice {
 public:
  LibusbDevice(ContextPtr ctx, libusb_device_handle* handle)
      : ctx_(std::move(ctx)), handle_(handle) {}
  ~LibusbDevice() override {
    Release();
    libusb_close(handle_);
  }

  Result<void> Claim(std::uint8_t interface_number) override {
    Release();
    const int active = libusb_kernel_driver_active(handle_, interface_number);
    if (active == 1) {
      if (const int rc = libusb_detach_kernel_driver(handle_, interface_number); rc != 0) {
        return UsbError("detach kernel driver", rc);
      }
      reattach_ = true;
    }
    if (const int rc = libusb_claim_interface(handle_, interface_number); rc != 0) {
      if (reattach_) libusb_attach_kernel_driver(handle_, interface_number);
      reattach_ = false;
      return UsbError("claim interface " + std::to_string(interface_number), rc);
    }
    claimed_ = interface_number;
    return Ok();
  }

  void Release() override {
    if (!claimed_) return;
    libusb_release_interface(handle_, *claimed_);
    if (reattach_) libusb_attach_kernel_driver(handle_, *claimed_);
    reattach_ = false;
    claimed_.reset();
  }

  Result<void> BulkWrite(std::uint8_t endpoint, std::span<const std::uint8_t> bytes,
                         Deadline deadline) override {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      auto ms = TimeoutMs(deadline);
      if (!ms) return ms.error().Context("bulk write");
      int done = 0;
      // libusb takes a non-const buffer for both directions; an OUT transfer only reads it.
      auto* data = const_cast<unsigned char*>(bytes.data() + sent);
      const int rc = libusb_bulk_transfer(handle_, endpoint, data,
                                          static_cast<int>(bytes.size() - sent), &done, *ms);
      sent += static_cast<std::size_t>(std::max(done, 0));
      if (rc != 0 && !(rc == LIBUSB_ERROR_TIMEOUT && sent == bytes.size())) {
        return UsbError("bulk write", rc);
      }
    }
    return Ok();
  }

  Result<std::size_t> BulkRead(std::uint8_t endpoint, std::span<std::uint8_t> buffer,
                               Deadline deadline) override {
    return Read(endpoint, buffer, deadline, /*interrupt=*/false);
  }

  Result<std::size_t> InterruptRead(std::uint8_t endpoint, std::span<std::uint8_t> buffer,
                                    Deadline deadline) override {
    return Read(endpoint, buffer, deadline, /*interrupt=*/true);
  }

  Result<std::size_t> Control(std::uint8_t request_type, std::uint8_t request, std::uint16_t value,
                              std::uint16_t index, std::span<std::uint8_t> data,
                              Deadline deadline) override {
    auto ms = TimeoutMs(deadline);
    if (!ms) return ms.error().Context("control transfer");
    const auto length = static_cast<std::uint16_t>(std::min<std::size_t>(data.size(), 0xFFFF));
    const int rc = libusb_control_transfer(handle_, request_type, request, value, index,
                                           data.data(), length, *ms);
    if (rc < 0) return UsbError("control transfer", rc);
    return static_cast<std::size_t>(rc);
  }

 private:
  Result<std::size_t> Read(std::uint8_t endpoint, std::span<std::uint8_t> buffer, Deadline deadline,
                           bool interrupt) {
    const char* what = interrupt ? "interrupt read" : "bulk read";
    auto ms = TimeoutMs(deadline);
    if (!ms) return ms.error().Context(what);
    int done = 0;
    const int len = static_cast<int>(std::min<std::size_t>(buffer.size(), 1 << 20));
    const int rc =
        interrupt ? libusb_interrupt_transfer(handle_, endpoint, buffer.data(), len, &done, *ms)
                  : libusb_bulk_transfer(handle_, endpoint, buffer.data(), len, &done, *ms);
    if (rc == LIBUSB_ERROR_TIMEOUT && done > 0) return static_cast<std::size_t>(done);
    if (rc != 0) return UsbError(what, rc);
    return static_cast<std::size_t>(done);
  }

  ContextPtr ctx_;
  libusb_device_handle* handle_;
  std::optional<std::uint8_t> claimed_;
  bool reattach_ = false;
};

}  // namespace

std::string UsbDeviceInfo::DevNode() const {
  char buf[32];
  std::snprintf(buf, sizeof buf, "/dev/bus/usb/%03u/%03u", unsigned{bus}, unsigned{address});
  return buf;
}

Result<std::vector<UsbDeviceInfo>> ListUsbDevices() {
  auto ctx = NewContext();
  if (!ctx) return ctx.error();
  libusb_device** list = nullptr;
  const ssize_t n = libusb_get_device_list(ctx->get(), &list);
  if (n < 0) return UsbError("list devices", static_cast<int>(n));
  std::vector<UsbDeviceInfo> out;
  for (ssize_t i = 0; i < n; ++i) out.push_back(Describe(list[i]));
  libusb_free_device_list(list, 1);
  return out;
}

const UsbInterface* FindInterface(const UsbDeviceInfo& device, std::uint8_t interface_class) {
  for (const UsbInterface& itf : device.interfaces) {
    if (itf.interface_class == interface_class) return &itf;
  }
  return nullptr;
}

Result<std::unique_ptr<UsbDevice>> OpenUsbDevice(const UsbDeviceInfo& info) {
  auto ctx = NewContext();
  if (!ctx) return ctx.error();
  libusb_device** list = nullptr;
  const ssize_t n = libusb_get_device_list(ctx->get(), &list);
  if (n < 0) return UsbError("list devices", static_cast<int>(n));
  libusb_device_handle* handle = nullptr;
  int rc = LIBUSB_ERROR_NO_DEVICE;
  for (ssize_t i = 0; i < n; ++i) {
    if (libusb_get_bus_number(list[i]) == info.bus &&
        libusb_get_device_address(list[i]) == info.address) {
      rc = libusb_open(list[i], &handle);
      break;
    }
  }
  libusb_free_device_list(list, 1);
  if (rc != 0) return UsbError("open " + info.DevNode(), rc);
  return std::unique_ptr<UsbDevice>(new LibusbDevice(std::move(*ctx), handle));
}

}  // namespace posdiag::io
