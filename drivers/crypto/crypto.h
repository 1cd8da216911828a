// The cryptography posdiag needs beyond the TLS check: the engineer PIN's PBKDF2 and the hand-off
// summary's Ed25519 keys. OpenSSL (libcrypto) does it, from the module posdiag-crypto.so
// (openssl_crypto.cc, io/module.h), which is loaded only when a run needs it: a login on the
// console, `hash-pin`, a configured [report] signing_key, keygen, a decode with a public key.
// A program that links the module's code (posdiag::crypto_openssl: the tests, the desk's
// posdiag-fleet) uses it directly instead.
// Example:
//   auto crypto = crypto::Load();
//   if (!crypto) return crypto.error().Context("login");  // names the file and why
//   auto key = (*crypto)->Pbkdf2Sha256(pin, salt, 100'000, 32);
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/base/result.h"

namespace posdiag::drivers::crypto {

inline constexpr std::string_view kModuleFile = "posdiag-crypto.so";
inline constexpr const char* kModuleEntry = "posdiag_crypto_module_v1";

inline constexpr std::size_t kEd25519KeyBytes = 32;
inline constexpr std::size_t kEd25519SignatureBytes = 64;
inline constexpr std::size_t kSha256Bytes = 32;

using Ed25519PublicBytes = std::array<std::uint8_t, kEd25519KeyBytes>;
using Ed25519Signature = std::array<std::uint8_t, kEd25519SignatureBytes>;

// An Ed25519 private key, held by the module.
class PrivateKey {
 public:
  virtual ~PrivateKey() = default;
  virtual Ed25519PublicBytes PublicBytes() const = 0;
  virtual std::string PrivatePem() const = 0;  // PKCS#8, unencrypted; empty on failure
  virtual std::string PublicPem() const = 0;   // SubjectPublicKeyInfo; empty on failure
  virtual Result<Ed25519Signature> Sign(std::span<const std::uint8_t> message) const = 0;
};

// An Ed25519 public key, held by the module.
class PublicKey {
 public:
  virtual ~PublicKey() = default;
  virtual Ed25519PublicBytes PublicBytes() const = 0;
  virtual bool Verify(std::span<const std::uint8_t> message,
                      const Ed25519Signature& signature) const = 0;
};

// What the module gives. Every function may be called from any thread.
class Module {
 public:
  // `out.size()` bytes from the system's random source.
  virtual Result<void> Random(std::span<std::uint8_t> out) const = 0;
  // PBKDF2-HMAC-SHA256 of `password` and `salt`: `key_bytes` bytes.
  virtual Result<std::vector<std::uint8_t>> Pbkdf2Sha256(std::string_view password,
                                                         std::span<const std::uint8_t> salt,
                                                         std::uint32_t iterations,
                                                         std::size_t key_bytes) const = 0;
  virtual std::array<std::uint8_t, kSha256Bytes> Sha256(
      std::span<const std::uint8_t> bytes) const = 0;
  virtual Result<std::unique_ptr<PrivateKey>> GenerateEd25519() const = 0;
  // A PEM private key that must be Ed25519: kInvalid for any other kind, an encrypted key or none.
  virtual Result<std::unique_ptr<PrivateKey>> Ed25519PrivateFromPem(std::string_view pem) const = 0;
  // A PEM public key that must be Ed25519: kInvalid for any other kind or none.
  virtual Result<std::unique_ptr<PublicKey>> Ed25519PublicFromPem(std::string_view pem) const = 0;

 protected:
  ~Module() = default;
};

// The module, loaded on the first call (posdiag-crypto.so beside the binary, else in the install's
// libexec directory). An error names the file and why it could not be had; the caller says what
// could not be done for want of it.
Result<const Module*> Load();

}  // namespace posdiag::drivers::crypto
