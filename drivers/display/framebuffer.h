// The Linux framebuffer: geometry and pixel format from FBIOGET_VSCREENINFO/FBIOGET_FSCREENINFO,
// the memory mapped, pixels packed with the channel offsets and lengths the driver reports
// (16, 24 and 32 bits per pixel; anything else is an `unsupported` error). A regular file stands
// in for the device in tests and the simulated terminal: it cannot answer the ioctls, so its
// format is given (ParseGeometry) and the same mapping and drawing code writes its pixels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/base/result.h"

namespace posdiag::drivers::display {

struct Rgb {
  std::uint8_t r = 0;
  std::uint8_t g = 0;
  std::uint8_t b = 0;
  bool operator==(const Rgb&) const = default;
};

struct Channel {
  std::uint32_t offset = 0;  // bit position of the channel's least significant bit
  std::uint32_t length = 0;  // bits
};

// What the driver reports (or the file stands in for).
struct FbFormat {
  std::uint32_t width = 0;  // visible pixels
  std::uint32_t height = 0;
  std::uint32_t bits_per_pixel = 0;
  std::uint32_t line_length = 0;  // bytes from one row to the next
  std::uint32_t xoffset = 0;      // the visible area's origin in the buffer
  std::uint32_t yoffset = 0;
  Channel red;
  Channel green;
  Channel blue;
  std::size_t memory_bytes = 0;  // the buffer's size (smem_len); 0 = as the geometry needs
};

// "320x240x16": width x height x bits per pixel, in the usual layout for that depth (RGB565,
// RGB888, XRGB8888). line_length 0 packs rows; a larger one leaves padding after each row.
Result<FbFormat> ParseGeometry(std::string_view text, std::uint32_t line_length = 0);

// Supported: 16, 24 or 32 bpp, every channel 1..8 bits inside the pixel, rows long enough for
// the visible width, the visible area inside the buffer. Anything else: kUnsupported (format)
// or kInvalid (geometry), with what the driver reported.
Result<void> CheckFormat(const FbFormat& format);

// Bytes from the buffer's start to the end of the visible area's last row.
std::size_t RequiredBytes(const FbFormat& format);

// A colour as the pixel value for this format, and back (channels widened by bit replication).
std::uint32_t PackPixel(const FbFormat& format, Rgb colour);
Rgb UnpackPixel(const FbFormat& format, std::uint32_t pixel);

// A character device: its ioctls. A regular file: `file_format`, which it must have (else
// kInvalid). Does not check the pixel format: the display probe reports what it found.
Result<FbFormat> ReadFormat(const std::filesystem::path& path,
                            const std::optional<FbFormat>& file_format);

class Framebuffer {
 public:
  // Opens, reads the format, checks it and maps the buffer. A file shorter than the geometry
  // needs is an error (it is not grown: it stands in for fixed device memory).
  static Result<std::unique_ptr<Framebuffer>> Open(const std::filesystem::path& path,
                                                   const std::optional<FbFormat>& file_format);
  ~Framebuffer();
  Framebuffer(const Framebuffer&) = delete;
  Framebuffer& operator=(const Framebuffer&) = delete;

  const FbFormat& format() const { return format_; }
  int width() const { return static_cast<int>(format_.width); }
  int height() const { return static_cast<int>(format_.height); }

  // Drawing in visible coordinates; anything outside the visible area is clipped.
  void Fill(int x, int y, int w, int h, Rgb colour);
  void Set(int x, int y, Rgb colour);
  Rgb Get(int x, int y) const;

  // The visible rows as they are in memory, padding bytes included, and those bytes put back:
  // what another program had on the screen, returned exactly.
  std::vector<std::uint8_t> SaveVisible() const;
  void RestoreVisible(std::span<const std::uint8_t> saved);

 private:
  Framebuffer(int fd, std::uint8_t* map, std::size_t map_bytes, FbFormat format);
  std::uint8_t* PixelAddress(int x, int y) const;
  void StorePixel(std::uint8_t* p, std::uint32_t pixel) const;
  std::uint32_t LoadPixel(const std::uint8_t* p) const;

  int fd_;
  std::uint8_t* map_;
  std::size_t map_bytes_;
  FbFormat format_;
  std::uint32_t bytes_per_pixel_;
};

}  // namespace posdiag::drivers::display
