// Ed25519 keys for the hand-off summary: the terminal's private key in PEM ([report] signing_key,
// made by `posdiag keygen`), and the desk's public key in PEM, as `openssl pkey -pubout` writes
// it. OpenSSL does the work, from posdiag-crypto.so (drivers/crypto): making or reading a key
// fails with the module's error when it cannot be loaded; Verify(payload, key) and the states
// need no key and no module. A key's ID is the first four
// bytes of SHA-256 over its 32 raw public bytes: a summary names the key that signed it, so the
// desk can tell "signed by a key I was not given" from "forged".
// Example:
//   auto key = SigningKey::Load("/etc/posdiag/handoff.pem");
//   auto text = EncodePayload(summary, key ? key->get() : nullptr);
//   auto desk = PublicKey::FromPem(pem);
//   SignatureState s = Verify(*ParsePayload(*text), &*desk);   // kValid
#pragma once

#include <array>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "agent/handoff/summary.h"
#include "drivers/base/result.h"

namespace posdiag::agent::handoff {

class SigningKey final : public Signer {
 public:
  ~SigningKey() override;
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;

  // A fresh key from the system's random source.
  static Result<std::unique_ptr<SigningKey>> Generate();
  // A PEM private key that must be Ed25519 (kInvalid for any other kind or no key at all).
  static Result<std::unique_ptr<SigningKey>> FromPem(std::string_view pem);
  static Result<std::unique_ptr<SigningKey>> Load(const std::filesystem::path& path);

  std::string PrivatePem() const;  // PKCS#8, unencrypted
  std::string PublicPem() const;   // SubjectPublicKeyInfo, as `openssl pkey -pubout`
  std::array<std::uint8_t, kKeyIdBytes> KeyId() const override;
  Result<std::array<std::uint8_t, kSignatureBytes>> Sign(
      std::span<const std::uint8_t> message) const override;

 private:
  struct Key;
  explicit SigningKey(std::unique_ptr<Key> key);
  std::unique_ptr<Key> key_;
};

class PublicKey {
 public:
  ~PublicKey();
  PublicKey(PublicKey&&) noexcept;
  PublicKey& operator=(PublicKey&&) noexcept;

  static Result<PublicKey> FromPem(std::string_view pem);
  static Result<PublicKey> Load(const std::filesystem::path& path);

  std::array<std::uint8_t, kKeyIdBytes> KeyId() const;
  bool Verify(std::span<const std::uint8_t> message,
              const std::array<std::uint8_t, kSignatureBytes>& signature) const;

 private:
  struct Key;
  explicit PublicKey(std::unique_ptr<Key> key);
  std::unique_ptr<Key> key_;
};

enum class SignatureState { kValid, kInvalid, kAbsent, kUnknownKey };
// "valid", "INVALID", "absent", "unknown key": as `posdiag decode` prints them.
std::string_view SignatureStateName(SignatureState state);

// kAbsent: the summary is unsigned. kUnknownKey: signed by a key other than `key` (or no key was
// given). kInvalid: signed by `key`'s ID but the signature does not match what it carries.
SignatureState Verify(const Payload& payload, const PublicKey* key);

}  // namespace posdiag::agent::handoff
