// Test helpers for the display: RGB images read back from a file-backed framebuffer (decoded
// here independently of the driver), PNG files (libpng), and comparison with the golden images
// in tests/display/golden.
//
// Every comparison also writes the rendered image to <build>/display-png/<name>.png so a person
// can look at it. To accept new renderings on purpose, run the tests with POSDIAG_UPDATE_GOLDEN=1:
// the goldens are rewritten from what was drawn (then review them with git diff).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "drivers/base/result.h"

namespace posdiag::testing {

struct Image {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb;  // width * height * 3, rows top to bottom
};

// A framebuffer file's visible area: RGB565 for 16 bpp, B,G,R(,X) bytes for 24 and 32 bpp.
Result<Image> ReadFramebufferFile(const std::filesystem::path& path, int width, int height, int bpp,
                                  int line_length, int xoffset = 0, int yoffset = 0);

Result<void> WritePng(const std::filesystem::path& path, const Image& image);
Result<Image> ReadPng(const std::filesystem::path& path);

// Where the rendered images go (created on first use).
std::filesystem::path RenderedDir();

// Writes the image for people to see, then compares it with golden/<name>.png pixel by pixel
// (or rewrites the golden with POSDIAG_UPDATE_GOLDEN=1).
::testing::AssertionResult MatchesGolden(const std::string& name, const Image& image);

}  // namespace posdiag::testing
