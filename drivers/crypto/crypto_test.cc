// posdiag-crypto.so as it is built and shipped, loaded the way posdiag loads it (from the directory
// it is built in, beside agent/posdiag), against published vectors; and what a program without it
// beside it is told.
#include "drivers/crypto/crypto.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "drivers/io/module.h"

namespace posdiag::drivers::crypto {
namespace {

std::vector<std::uint8_t> Hex(std::string_view hex) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

const Module& Built() {
  static const Module* module = [] {
    auto entry = io::LoadModuleEntryFrom(POSDIAG_MODULE_DIR, kModuleFile, kModuleEntry);
    EXPECT_TRUE(entry) << entry.error().detail;
    return entry ? reinterpret_cast<const Module* (*)()>(*entry)() : nullptr;
  }();
  if (module == nullptr) std::abort();
  return *module;
}

// RFC 8032, 7.1, TEST 1: the key, its public half and the signature of the empty message.
constexpr std::string_view kRfcPrivatePem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n";
constexpr std::string_view kRfcPublicPem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
    "-----END PUBLIC KEY-----\n";
constexpr std::string_view kRfcPublicHex =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr std::string_view kRfcSignatureHex =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b4"
    "6bd25bf5f0595bbe24655141438e7a100b";

TEST(CryptoModule, Pbkdf2MatchesPython) {
  // hashlib.pbkdf2_hmac("sha256", b"1234", b"posdiag-salt-16b", 1000)
  const std::string salt = "posdiag-salt-16b";
  auto key = Built().Pbkdf2Sha256(
      "1234", {reinterpret_cast<const std::uint8_t*>(salt.data()), salt.size()}, 1000, 32);
  ASSERT_TRUE(key) << key.error().detail;
  EXPECT_EQ(*key, Hex("55843f6bfd7cd13506dedc372794c5ebf9e4fa1826cefeefb2281ab004332db4"));
}

TEST(CryptoModule, Sha256OfAbc) {
  const std::vector<std::uint8_t> abc{'a', 'b', 'c'};
  const auto digest = Built().Sha256(abc);
  EXPECT_EQ(std::vector<std::uint8_t>(digest.begin(), digest.end()),
            Hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
}

TEST(CryptoModule, RandomBytesDiffer) {
  std::array<std::uint8_t, 16> a{}, b{};
  ASSERT_TRUE(Built().Random(a));
  ASSERT_TRUE(Built().Random(b));
  EXPECT_NE(a, b);
}

TEST(CryptoModule, Ed25519AsRfc8032) {
  auto key = Built().Ed25519PrivateFromPem(kRfcPrivatePem);
  ASSERT_TRUE(key) << key.error().detail;
  const auto pub = (*key)->PublicBytes();
  EXPECT_EQ(std::vector<std::uint8_t>(pub.begin(), pub.end()), Hex(kRfcPublicHex));
  auto sig = (*key)->Sign({});
  ASSERT_TRUE(sig) << sig.error().detail;
  EXPECT_EQ(std::vector<std::uint8_t>(sig->begin(), sig->end()), Hex(kRfcSignatureHex));
  EXPECT_EQ((*key)->PublicPem(), kRfcPublicPem);
  EXPECT_EQ((*key)->PrivatePem(), kRfcPrivatePem);

  auto desk = Built().Ed25519PublicFromPem(kRfcPublicPem);
  ASSERT_TRUE(desk) << desk.error().detail;
  EXPECT_EQ((*desk)->PublicBytes(), pub);
  EXPECT_TRUE((*desk)->Verify({}, *sig));
  const std::vector<std::uint8_t> other{'x'};
  EXPECT_FALSE((*desk)->Verify(other, *sig));
}

TEST(CryptoModule, GeneratedKeysSignAndVerify) {
  auto key = Built().GenerateEd25519();
  ASSERT_TRUE(key) << key.error().detail;
  auto again = Built().Ed25519PrivateFromPem((*key)->PrivatePem());
  ASSERT_TRUE(again) << again.error().detail;
  EXPECT_EQ((*again)->PublicBytes(), (*key)->PublicBytes());
  const std::vector<std::uint8_t> message{1, 2, 3};
  auto sig = (*key)->Sign(message);
  ASSERT_TRUE(sig);
  auto desk = Built().Ed25519PublicFromPem((*key)->PublicPem());
  ASSERT_TRUE(desk) << desk.error().detail;
  EXPECT_TRUE((*desk)->Verify(message, *sig));
}

TEST(CryptoModule, RefusesKeysThatAreNotEd25519) {
  constexpr std::string_view kP256 =
      "-----BEGIN PRIVATE KEY-----\n"
      "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgzCWuO5DTWP5Y+Fp3\n"
      "dzMbhjyN+YKrqCOD9kE0RROgPtihRANCAAQBpdRLsyRv7eradZoob1oSRhtgBBLn\n"
      "i+kBlMwqFcTFr8D8ADg/gEudVt6AwtxmFZroJ/LDI1BpgHaEXZAhwpEC\n"
      "-----END PRIVATE KEY-----\n";
  auto p256 = Built().Ed25519PrivateFromPem(kP256);
  ASSERT_FALSE(p256);
  EXPECT_EQ(p256.error().kind, ErrorKind::kInvalid);
  EXPECT_NE(p256.error().detail.find("not an Ed25519 key"), std::string::npos);
  EXPECT_FALSE(Built().Ed25519PrivateFromPem("not a key"));
  EXPECT_FALSE(Built().Ed25519PublicFromPem(kRfcPrivatePem));
}

// This test program does not link the module's code and is not beside agent/posdiag: Load()
// finds nothing, and says where it looked.
TEST(CryptoModule, WithoutTheModuleLoadSaysWhereItLooked) {
  auto loaded = Load();
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().kind, ErrorKind::kNotFound);
  EXPECT_NE(loaded.error().detail.find("posdiag-crypto.so: not found beside the binary"),
            std::string::npos)
      << loaded.error().detail;
  EXPECT_NE(loaded.error().detail.find("libexec/posdiag"), std::string::npos);
}

}  // namespace
}  // namespace posdiag::drivers::crypto
