// A USB device umockdev emulates and this process answers, for what umockdev's ioctl scripts
// cannot express. The scripts replay bulk and interrupt transfers only: umockdev 0.17 compares a
// control transfer's whole buffer (the setup packet and the reply space after it) and never
// copies a reply into it, its pcap replay skips control transfers, USBDEVFS_CLAIMINTERFACE always
// succeeds there, and a cancelled URB is never reaped. Here libumockdev's ioctl handler API
// (UMockdevIoctlBase) sees every usbfs ioctl libusb makes on the device node, on the testbed's
// worker thread, and answers it: control transfers from a table, bulk OUT recorded and answered
// on bulk IN by a function of what was written, interrupt IN never (it waits until cancelled),
// DISCARDURB honoured (so a libusb timeout ends as on a real device), and, when asked, a claim
// another process holds (EBUSY).
//
// The program must run under umockdev's preload library (umockdev-wrapper PROGRAM); libusb then
// enumerates the devices of the testbed this object makes:
//
//   EmulatedUsb usb(POSDIAG_SOURCE_DIR "/tests/umockdev/printer_usb.umockdev",
//                   "/dev/bus/usb/001/003");
//   usb.SetControlReply({0xA1, 0, 0, 0, 0, 0, 0x00, 0x04}, reply);
//   auto devices = io::ListUsbDevices();  // finds it through libusb
#pragma once

#include <glib.h>
#include <linux/usbdevice_fs.h>
#include <sys/ioctl.h>
#include <umockdev.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace posdiag::testing {

class EmulatedUsb {
 public:
  using Setup = std::array<std::uint8_t, 8>;  // bmRequestType, bRequest, wValue, wIndex, wLength
  // What the device sends on bulk IN after the host wrote `out` on bulk OUT.
  using BulkAnswer = std::function<std::vector<std::uint8_t>(const std::vector<std::uint8_t>&)>;

  EmulatedUsb(const std::string& description, std::string devnode) : devnode_(std::move(devnode)) {
    testbed_ = umockdev_testbed_new();
    GError* error = nullptr;
    if (!umockdev_testbed_add_from_file(testbed_, description.c_str(), &error)) {
      error_ = error != nullptr ? error->message : "cannot load " + description;
      g_clear_error(&error);
      return;
    }
    handler_ = umockdev_ioctl_base_new();
    g_signal_connect(handler_, "handle-ioctl", G_CALLBACK(&EmulatedUsb::OnIoctl), this);
    if (!umockdev_testbed_attach_ioctl(testbed_, devnode_.c_str(), handler_, &error)) {
      error_ = error != nullptr ? error->message : "cannot attach to " + devnode_;
      g_clear_error(&error);
    }
  }
  ~EmulatedUsb() {
    if (handler_ != nullptr) {
      umockdev_testbed_detach_ioctl(testbed_, devnode_.c_str(), nullptr);
      g_signal_handlers_disconnect_by_data(handler_, this);
    }
    for (auto& u : urbs_) Unref(u);
    if (handler_ != nullptr) g_object_unref(handler_);
    g_object_unref(testbed_);
  }
  EmulatedUsb(const EmulatedUsb&) = delete;
  EmulatedUsb& operator=(const EmulatedUsb&) = delete;

  // "" when the testbed and the handler are in place, else why not.
  const std::string& error() const { return error_; }

  void SetControlReply(const Setup& setup, std::vector<std::uint8_t> reply) {
    std::lock_guard lock(mu_);
    control_[setup] = std::move(reply);
  }
  void SetBulkAnswer(BulkAnswer answer) {
    std::lock_guard lock(mu_);
    bulk_answer_ = std::move(answer);
  }
  // Another process has claimed the interfaces: USBDEVFS_CLAIMINTERFACE fails with EBUSY.
  void SetClaimedElsewhere(bool busy) {
    std::lock_guard lock(mu_);
    claimed_elsewhere_ = busy;
  }

  // What the host asked: every control setup packet, every byte written on bulk OUT, the claims.
  std::vector<Setup> control_requests() const {
    std::lock_guard lock(mu_);
    return control_requests_;
  }
  std::vector<std::uint8_t> bulk_out() const {
    std::lock_guard lock(mu_);
    return bulk_out_;
  }
  int claims() const {
    std::lock_guard lock(mu_);
    return claims_;
  }

 private:
  struct Urb {
    UMockdevIoctlData* urb = nullptr;     // the client's struct usbdevfs_urb
    UMockdevIoctlData* buffer = nullptr;  // the client's transfer buffer
    bool ready = false;                   // may be reaped
  };

  static void Unref(Urb& u) {
    if (u.buffer != nullptr) umockdev_ioctl_data_unref(u.buffer);
    if (u.urb != nullptr) umockdev_ioctl_data_unref(u.urb);
    u.buffer = u.urb = nullptr;
  }

  static usbdevfs_urb* UrbOf(const Urb& u) { return reinterpret_cast<usbdevfs_urb*>(u.urb->data); }

  // Marks a block changed, so umockdev writes it back to the client's memory.
  static void Changed(UMockdevIoctlData* d) {
    std::vector<std::uint8_t> copy(d->data, d->data + d->data_len);
    umockdev_ioctl_data_update(d, 0, copy.data(), static_cast<gint>(copy.size()));
  }

  static gboolean OnIoctl(UMockdevIoctlBase*, UMockdevIoctlClient* client, gpointer self) {
    return static_cast<EmulatedUsb*>(self)->Handle(client);
  }

  // Completes a bulk IN URB from the queued answer bytes, if any.
  void FillIn(Urb& u) {
    usbdevfs_urb* urb = UrbOf(u);
    const std::size_t n = std::min<std::size_t>(in_.size(), urb->buffer_length);
    if (n == 0) return;
    std::copy_n(in_.begin(), n, u.buffer->data);
    in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(n));
    Changed(u.buffer);
    urb->actual_length = static_cast<int>(n);
    urb->status = 0;
    u.ready = true;
  }

  gboolean Handle(UMockdevIoctlClient* client) {
    std::lock_guard lock(mu_);
    const gulong request = umockdev_ioctl_client_get_request(client);
    UMockdevIoctlData* arg = umockdev_ioctl_client_get_arg(client);
    switch (request) {
      case USBDEVFS_CLAIMINTERFACE:
        ++claims_;
        umockdev_ioctl_client_complete(client, claimed_elsewhere_ ? -1 : 0,
                                       claimed_elsewhere_ ? EBUSY : 0);
        return TRUE;
      case USBDEVFS_RELEASEINTERFACE:
      case USBDEVFS_CLEAR_HALT:
      case USBDEVFS_RESET:
      case USBDEVFS_RESETEP:
        umockdev_ioctl_client_complete(client, 0, 0);
        return TRUE;
      case USBDEVFS_GETDRIVER:  // no kernel driver bound
        umockdev_ioctl_client_complete(client, -1, ENODATA);
        return TRUE;
      case USBDEVFS_SUBMITURB: {
        GError* error = nullptr;
        Urb u;
        u.urb = umockdev_ioctl_data_resolve(arg, 0, sizeof(usbdevfs_urb), &error);
        if (u.urb == nullptr) break;
        usbdevfs_urb* urb = UrbOf(u);
        u.buffer = umockdev_ioctl_data_resolve(u.urb, offsetof(usbdevfs_urb, buffer),
                                               static_cast<gsize>(urb->buffer_length), &error);
        if (u.buffer == nullptr) {
          Unref(u);
          break;
        }
        const std::uint8_t* data = u.buffer->data;
        const auto length = static_cast<std::size_t>(urb->buffer_length);
        if (urb->type == USBDEVFS_URB_TYPE_CONTROL && length >= 8) {
          Setup setup;
          std::copy_n(data, 8, setup.begin());
          control_requests_.push_back(setup);
          auto it = control_.find(setup);
          if (it == control_.end()) {
            urb->status = -EPIPE;  // a stall: the device does not know the request
            urb->actual_length = 0;
          } else {
            const std::size_t n = std::min(it->second.size(), length - 8);
            std::copy_n(it->second.begin(), n, u.buffer->data + 8);
            Changed(u.buffer);
            urb->status = 0;
            urb->actual_length = static_cast<int>(n);
          }
          u.ready = true;
        } else if ((urb->endpoint & 0x80) == 0) {  // bulk or interrupt OUT
          const std::vector<std::uint8_t> out(data, data + length);
          bulk_out_.insert(bulk_out_.end(), out.begin(), out.end());
          if (bulk_answer_) {
            const auto answer = bulk_answer_(out);
            in_.insert(in_.end(), answer.begin(), answer.end());
          }
          urb->status = 0;
          urb->actual_length = urb->buffer_length;
          u.ready = true;
        } else if (urb->type == USBDEVFS_URB_TYPE_BULK) {
          FillIn(u);
        }  // interrupt IN: the device has nothing to say; it waits until cancelled
        Changed(u.urb);
        urbs_.push_back(u);
        for (auto& pending : urbs_) {  // an answer may complete an IN URB already waiting
          if (!pending.ready && (UrbOf(pending)->endpoint & 0x80) != 0 &&
              UrbOf(pending)->type == USBDEVFS_URB_TYPE_BULK) {
            FillIn(pending);
            Changed(pending.urb);
          }
        }
        umockdev_ioctl_client_complete(client, 0, 0);
        return TRUE;
      }
      case USBDEVFS_DISCARDURB: {
        const gulong target = *reinterpret_cast<const gulong*>(arg->data);
        for (auto& u : urbs_) {
          if (u.urb->client_addr != target || u.ready) continue;
          UrbOf(u)->status = -ENOENT;
          UrbOf(u)->actual_length = 0;
          Changed(u.urb);
          u.ready = true;
          umockdev_ioctl_client_complete(client, 0, 0);
          return TRUE;
        }
        umockdev_ioctl_client_complete(client, -1, EINVAL);
        return TRUE;
      }
      case USBDEVFS_REAPURB:
      case USBDEVFS_REAPURBNDELAY: {
        auto it = std::find_if(urbs_.begin(), urbs_.end(), [](const Urb& u) { return u.ready; });
        if (it == urbs_.end()) {
          umockdev_ioctl_client_complete(client, -1, EAGAIN);
          return TRUE;
        }
        GError* error = nullptr;
        UMockdevIoctlData* cell = umockdev_ioctl_data_resolve(arg, 0, sizeof(void*), &error);
        if (cell == nullptr) break;
        umockdev_ioctl_data_set_ptr(cell, 0, it->urb);
        umockdev_ioctl_data_unref(cell);
        // The reply cell now holds its own reference to the URB, written back on completion.
        Urb done = *it;
        urbs_.erase(it);
        umockdev_ioctl_client_complete(client, 0, 0);
        Unref(done);
        return TRUE;
      }
      default:
        umockdev_ioctl_client_complete(client, -1, ENOTTY);
        return TRUE;
    }
    umockdev_ioctl_client_complete(client, -1, EIO);
    return TRUE;
  }

  std::string devnode_;
  std::string error_;
  UMockdevTestbed* testbed_ = nullptr;
  UMockdevIoctlBase* handler_ = nullptr;

  mutable std::mutex mu_;
  std::map<Setup, std::vector<std::uint8_t>> control_;
  BulkAnswer bulk_answer_;
  bool claimed_elsewhere_ = false;
  std::deque<Urb> urbs_;
  std::deque<std::uint8_t> in_;
  std::vector<Setup> control_requests_;
  std::vector<std::uint8_t> bulk_out_;
  int claims_ = 0;
};

}  // namespace posdiag::testing
