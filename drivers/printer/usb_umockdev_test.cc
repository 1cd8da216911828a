// The USB printer through the real libusb path, against a printer umockdev emulates from
// tests/umockdev (printer_usb.umockdev, one .ioctl script per test; run only under umockdev-run,
// see CMakeLists.txt).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>

#include "drivers/io/usb_device.h"
#include "drivers/printer/printer.h"
#include "drivers/printer/usb_transport.h"

namespace posdiag::drivers::printer {
namespace {

using namespace std::chrono_literals;

// Finds the emulated printer by class, checks what the descriptors say and opens it.
std::unique_ptr<UsbTransport> OpenPrinter() {
  auto devices = io::ListUsbDevices();
  EXPECT_TRUE(devices) << devices.error().detail;
  if (!devices) return nullptr;
  auto found = FindUsbPrinter(*devices, std::nullopt);
  EXPECT_TRUE(found);
  if (!found) return nullptr;
  EXPECT_EQ(found->device.vid, 0x04b8);
  EXPECT_EQ(found->device.pid, 0x0202);
  EXPECT_EQ(found->device.DevNode(), "/dev/bus/usb/001/003");
  auto t = OpenUsbTransport(found->device, found->itf);
  EXPECT_TRUE(t) << t.error().detail;
  if (!t) return nullptr;
  // The endpoints come from the descriptors, not the usual 0x01/0x82.
  EXPECT_EQ((*t)->out_endpoint(), 0x03);
  EXPECT_EQ((*t)->in_endpoint(), 0x84);
  return std::move(*t);
}

TEST(UmockdevPrinter, PaperEnd) {
  auto t = OpenPrinter();
  ASSERT_TRUE(t);
  StatusReading r = QueryStatus(*t, io::Deadline::In(4s));
  EXPECT_TRUE(r.responds) << r.no_answer.detail;
  EXPECT_FALSE(r.connection_lost);
  EXPECT_EQ(r.bytes_sent, 12u);
  EXPECT_EQ(r.bytes_received, 4u);
  for (const auto& reply : r.replies) ASSERT_TRUE(reply) << reply.error().detail;
  EXPECT_FALSE(r.replies[0]->offline);
  EXPECT_TRUE(r.replies[3]->paper_end);
}

TEST(UmockdevPrinter, Ready) {
  auto t = OpenPrinter();
  ASSERT_TRUE(t);
  StatusReading r = QueryStatus(*t, io::Deadline::In(4s));
  EXPECT_TRUE(r.responds) << r.no_answer.detail;
  for (const auto& reply : r.replies) ASSERT_TRUE(reply) << reply.error().detail;
  EXPECT_FALSE(r.replies[0]->offline);
  EXPECT_FALSE(r.replies[1]->cover_open);
  EXPECT_FALSE(r.replies[3]->paper_end);
  EXPECT_FALSE(r.replies[3]->paper_near_end);
}

}  // namespace
}  // namespace posdiag::drivers::printer
