#include "drivers/display/framebuffer.h"

#include <fcntl.h>
#include <linux/fb.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <string>
#include <utility>

#include "drivers/base/unique_fd.h"

namespace posdiag::drivers::display {
namespace {

bool ParseNumber(std::string_view text, std::uint32_t& out) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

std::string FormatText(const FbFormat& f) {
  auto ch = [](const Channel& c) {
    return std::to_string(c.length) + "@" + std::to_string(c.offset);
  };
  return std::to_string(f.width) + "x" + std::to_string(f.height) + ", " +
         std::to_string(f.bits_per_pixel) + " bpp, red " + ch(f.red) + " green " + ch(f.green) +
         " blue " + ch(f.blue);
}

FbFormat StandardLayout(std::uint32_t bpp) {
  FbFormat f;
  f.bits_per_pixel = bpp;
  if (bpp == 16) {
    f.red = {11, 5};
    f.green = {5, 6};
    f.blue = {0, 5};
  } else {
    f.red = {16, 8};
    f.green = {8, 8};
    f.blue = {0, 8};
  }
  return f;
}

std::uint32_t Narrow(std::uint8_t value, const Channel& c) {
  return (static_cast<std::uint32_t>(value) >> (8 - c.length)) << c.offset;
}

std::uint8_t Widen(std::uint32_t pixel, const Channel& c) {
  const std::uint32_t mask = (1u << c.length) - 1;
  std::uint32_t v = (pixel >> c.offset) & mask;
  // Replicate the high bits into the low ones so full scale stays full scale (31 -> 255).
  std::uint32_t out = 0;
  int filled = 0;
  while (filled < 8) {
    const int shift = 8 - filled - static_cast<int>(c.length);
    out |= shift >= 0 ? (v << shift) : (v >> -shift);
    filled += static_cast<int>(c.length);
  }
  return static_cast<std::uint8_t>(out & 0xFF);
}

Result<FbFormat> FormatFromIoctls(int fd, const std::string& name) {
  fb_var_screeninfo var{};
  fb_fix_screeninfo fix{};
  if (::ioctl(fd, FBIOGET_VSCREENINFO, &var) != 0) {
    return ErrnoError(name + ": FBIOGET_VSCREENINFO", errno);
  }
  if (::ioctl(fd, FBIOGET_FSCREENINFO, &fix) != 0) {
    return ErrnoError(name + ": FBIOGET_FSCREENINFO", errno);
  }
  FbFormat f;
  f.width = var.xres;
  f.height = var.yres;
  f.bits_per_pixel = var.bits_per_pixel;
  f.line_length = fix.line_length;
  f.xoffset = var.xoffset;
  f.yoffset = var.yoffset;
  f.red = {var.red.offset, var.red.length};
  f.green = {var.green.offset, var.green.length};
  f.blue = {var.blue.offset, var.blue.length};
  f.memory_bytes = fix.smem_len;
  if (fix.type != FB_TYPE_PACKED_PIXELS || fix.visual != FB_VISUAL_TRUECOLOR ||
      var.grayscale != 0 || var.nonstd != 0) {
    // Planar, palette and non-standard layouts cannot be drawn by packing channels: say so
    // through the format check, with the depth the driver reported.
    f.red = f.green = f.blue = Channel{};
  }
  return f;
}

}  // namespace

Result<FbFormat> ParseGeometry(std::string_view text, std::uint32_t line_length) {
  const auto bad = [&] {
    return Error{ErrorKind::kInvalid, "geometry \"" + std::string(text) +
                                          "\": expected WIDTHxHEIGHTxBPP, e.g. 320x240x16"};
  };
  const auto x1 = text.find('x');
  if (x1 == std::string_view::npos) return bad();
  const auto x2 = text.find('x', x1 + 1);
  if (x2 == std::string_view::npos) return bad();
  std::uint32_t w = 0, h = 0, bpp = 0;
  if (!ParseNumber(text.substr(0, x1), w) || !ParseNumber(text.substr(x1 + 1, x2 - x1 - 1), h) ||
      !ParseNumber(text.substr(x2 + 1), bpp)) {
    return bad();
  }
  if (w == 0 || h == 0 || w > 8192 || h > 8192) {
    return Error{ErrorKind::kInvalid,
                 "geometry \"" + std::string(text) + "\": width and height must be 1..8192"};
  }
  FbFormat f = StandardLayout(bpp);
  f.width = w;
  f.height = h;
  const std::uint64_t packed = (static_cast<std::uint64_t>(w) * bpp + 7) / 8;
  if (line_length != 0 && line_length < packed) {
    return Error{ErrorKind::kInvalid, "line_length " + std::to_string(line_length) +
                                          " is shorter than a row of " + std::to_string(packed) +
                                          " bytes"};
  }
  f.line_length = line_length != 0 ? line_length : static_cast<std::uint32_t>(packed);
  return f;
}

Result<void> CheckFormat(const FbFormat& f) {
  const std::uint32_t bpp = f.bits_per_pixel;
  if (bpp != 16 && bpp != 24 && bpp != 32) {
    return Error{ErrorKind::kUnsupported,
                 "unsupported format: " + FormatText(f) + " (16, 24 or 32 bpp true colour only)"};
  }
  for (const Channel* c : {&f.red, &f.green, &f.blue}) {
    if (c->length == 0 || c->length > 8 || c->offset + c->length > bpp) {
      return Error{ErrorKind::kUnsupported, "unsupported format: " + FormatText(f)};
    }
  }
  if (f.width == 0 || f.height == 0) {
    return Error{ErrorKind::kInvalid, "framebuffer reports no visible area"};
  }
  const std::uint64_t row_bits = static_cast<std::uint64_t>(f.xoffset + f.width) * bpp;
  if (static_cast<std::uint64_t>(f.line_length) * 8 < row_bits) {
    return Error{ErrorKind::kInvalid,
                 "line_length " + std::to_string(f.line_length) + " is shorter than a visible row"};
  }
  if (f.memory_bytes != 0 && RequiredBytes(f) > f.memory_bytes) {
    return Error{ErrorKind::kInvalid, "the visible area ends past the framebuffer memory (" +
                                          std::to_string(f.memory_bytes) + " bytes)"};
  }
  return Ok();
}

std::size_t RequiredBytes(const FbFormat& f) {
  return static_cast<std::size_t>(f.line_length) * (f.yoffset + f.height);
}

std::uint32_t PackPixel(const FbFormat& f, Rgb c) {
  return Narrow(c.r, f.red) | Narrow(c.g, f.green) | Narrow(c.b, f.blue);
}

Rgb UnpackPixel(const FbFormat& f, std::uint32_t pixel) {
  return {Widen(pixel, f.red), Widen(pixel, f.green), Widen(pixel, f.blue)};
}

Result<FbFormat> ReadFormat(const std::filesystem::path& path,
                            const std::optional<FbFormat>& file_format) {
  const std::string name = path.string();
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return ErrnoError(name, errno);
  if (S_ISREG(st.st_mode)) {
    if (!file_format) {
      return Error{ErrorKind::kInvalid,
                   name + ": a regular file has no framebuffer ioctls; give its geometry"};
    }
    FbFormat f = *file_format;
    f.memory_bytes = static_cast<std::size_t>(st.st_size);
    return f;
  }
  if (!S_ISCHR(st.st_mode)) {
    return Error{ErrorKind::kInvalid, name + ": neither a framebuffer device nor a file"};
  }
  io::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) return ErrnoError(name, errno);
  return FormatFromIoctls(fd.get(), name);
}

Result<std::unique_ptr<Framebuffer>> Framebuffer::Open(const std::filesystem::path& path,
                                                       const std::optional<FbFormat>& file_format) {
  const std::string name = path.string();
  io::UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) return ErrnoError(name, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return ErrnoError(name, errno);

  FbFormat format;
  if (S_ISREG(st.st_mode)) {
    if (!file_format) {
      return Error{ErrorKind::kInvalid,
                   name + ": a regular file has no framebuffer ioctls; give its geometry"};
    }
    format = *file_format;
    format.memory_bytes = static_cast<std::size_t>(st.st_size);
  } else if (S_ISCHR(st.st_mode)) {
    auto read = FormatFromIoctls(fd.get(), name);
    if (!read) return read.error();
    format = *read;
  } else {
    return Error{ErrorKind::kInvalid, name + ": neither a framebuffer device nor a file"};
  }
  if (auto ok = CheckFormat(format); !ok) return ok.error().Context(name);
  const std::size_t map_bytes = format.memory_bytes;
  if (map_bytes == 0 || RequiredBytes(format) > map_bytes) {
    return Error{ErrorKind::kInvalid, name + ": " + std::to_string(map_bytes) +
                                          " bytes, the geometry needs " +
                                          std::to_string(RequiredBytes(format))};
  }
  void* map = ::mmap(nullptr, map_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (map == MAP_FAILED) return ErrnoError(name + ": mmap", errno);
  return std::unique_ptr<Framebuffer>(
      new Framebuffer(fd.Release(), static_cast<std::uint8_t*>(map), map_bytes, format));
}

Framebuffer::Framebuffer(int fd, std::uint8_t* map, std::size_t map_bytes, FbFormat format)
    : fd_(fd),
      map_(map),
      map_bytes_(map_bytes),
      format_(format),
      bytes_per_pixel_(format.bits_per_pixel / 8) {}

Framebuffer::~Framebuffer() {
  ::munmap(map_, map_bytes_);
  ::close(fd_);
}

// Pixels are in the CPU's byte order, as the kernel's own fb drawing writes them; a 24-bit
// pixel is stored least significant byte first.
void Framebuffer::StorePixel(std::uint8_t* p, std::uint32_t pixel) const {
  if (bytes_per_pixel_ == 2) {
    const auto v = static_cast<std::uint16_t>(pixel);
    std::memcpy(p, &v, 2);
  } else if (bytes_per_pixel_ == 4) {
    std::memcpy(p, &pixel, 4);
  } else {
    for (std::uint32_t i = 0; i < bytes_per_pixel_; ++i) {
      p[i] = static_cast<std::uint8_t>(pixel >> (8 * i));
    }
  }
}

std::uint32_t Framebuffer::LoadPixel(const std::uint8_t* p) const {
  if (bytes_per_pixel_ == 2) {
    std::uint16_t v = 0;
    std::memcpy(&v, p, 2);
    return v;
  }
  if (bytes_per_pixel_ == 4) {
    std::uint32_t v = 0;
    std::memcpy(&v, p, 4);
    return v;
  }
  std::uint32_t v = 0;
  for (std::uint32_t i = 0; i < bytes_per_pixel_; ++i)
    v |= static_cast<std::uint32_t>(p[i]) << (8 * i);
  return v;
}

std::vector<std::uint8_t> Framebuffer::SaveVisible() const {
  const std::size_t begin = static_cast<std::size_t>(format_.yoffset) * format_.line_length;
  const std::size_t bytes = static_cast<std::size_t>(format_.height) * format_.line_length;
  if (begin >= map_bytes_) return {};
  return std::vector<std::uint8_t>(map_ + begin, map_ + std::min(begin + bytes, map_bytes_));
}

void Framebuffer::RestoreVisible(std::span<const std::uint8_t> saved) {
  const std::size_t begin = static_cast<std::size_t>(format_.yoffset) * format_.line_length;
  if (begin >= map_bytes_) return;
  std::memcpy(map_ + begin, saved.data(), std::min(saved.size(), map_bytes_ - begin));
}

std::uint8_t* Framebuffer::PixelAddress(int x, int y) const {
  const std::size_t row = static_cast<std::size_t>(format_.yoffset) + static_cast<std::size_t>(y);
  const std::size_t col = static_cast<std::size_t>(format_.xoffset) + static_cast<std::size_t>(x);
  return map_ + row * format_.line_length + col * bytes_per_pixel_;
}

void Framebuffer::Fill(int x, int y, int w, int h, Rgb colour) {
  const int x0 = std::max(x, 0);
  const int y0 = std::max(y, 0);
  const int x1 = std::min(x + w, width());
  const int y1 = std::min(y + h, height());
  if (x0 >= x1 || y0 >= y1) return;
  const std::uint32_t pixel = PackPixel(format_, colour);
  // The first row pixel by pixel, the others copied from it: a screen's clear is most of a
  // result screen's drawing.
  std::uint8_t* first = PixelAddress(x0, y0);
  for (int col = x0; col < x1; ++col) StorePixel(first + (col - x0) * bytes_per_pixel_, pixel);
  const std::size_t span = static_cast<std::size_t>(x1 - x0) * bytes_per_pixel_;
  for (int row = y0 + 1; row < y1; ++row) std::memcpy(PixelAddress(x0, row), first, span);
}

void Framebuffer::Set(int x, int y, Rgb colour) { Fill(x, y, 1, 1, colour); }

Rgb Framebuffer::Get(int x, int y) const {
  if (x < 0 || y < 0 || x >= width() || y >= height()) return {};
  const std::uint32_t pixel = LoadPixel(PixelAddress(x, y));
  return UnpackPixel(format_, pixel);
}

}  // namespace posdiag::drivers::display
