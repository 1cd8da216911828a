#include "agent/handoff/signing.h"

#include <algorithm>
#include <cstring>

#include "drivers/base/file.h"
#include "drivers/crypto/crypto.h"

namespace posdiag::agent::handoff {
namespace {

namespace crypto = drivers::crypto;

constexpr std::size_t kMaxPemBytes = 16 * 1024;
static_assert(kSignatureBytes == crypto::kEd25519SignatureBytes);
static_assert(kKeyIdBytes <= crypto::kSha256Bytes);

Result<const crypto::Module*> Crypto(std::string_view what) {
  auto module = crypto::Load();
  if (!module) return module.error().Context(what);
  return module;
}

std::array<std::uint8_t, kKeyIdBytes> IdOf(const crypto::Module& module,
                                           const crypto::Ed25519PublicBytes& raw) {
  const auto digest = module.Sha256(raw);
  std::array<std::uint8_t, kKeyIdBytes> id{};
  std::copy_n(digest.begin(), kKeyIdBytes, id.begin());
  return id;
}

Result<std::string> ReadPem(const std::filesystem::path& path) {
  auto text = io::ReadFileBounded(path, {.max_bytes = kMaxPemBytes});
  if (!text) return text.error();
  return *text;
}

}  // namespace

struct SigningKey::Key {
  std::unique_ptr<crypto::PrivateKey> key;
  std::array<std::uint8_t, kKeyIdBytes> id{};
};
struct PublicKey::Key {
  std::unique_ptr<crypto::PublicKey> key;
  std::array<std::uint8_t, kKeyIdBytes> id{};
};

SigningKey::SigningKey(std::unique_ptr<Key> key) : key_(std::move(key)) {}
SigningKey::~SigningKey() = default;

Result<std::unique_ptr<SigningKey>> SigningKey::Generate() {
  auto module = Crypto("Ed25519 key generation");
  if (!module) return module.error();
  auto made = (*module)->GenerateEd25519();
  if (!made) return made.error();
  auto key = std::make_unique<Key>();
  key->id = IdOf(**module, (*made)->PublicBytes());
  key->key = std::move(*made);
  return std::unique_ptr<SigningKey>(new SigningKey(std::move(key)));
}

Result<std::unique_ptr<SigningKey>> SigningKey::FromPem(std::string_view pem) {
  auto module = Crypto("the private key cannot be read");
  if (!module) return module.error();
  auto read = (*module)->Ed25519PrivateFromPem(pem);
  if (!read) return read.error();
  auto key = std::make_unique<Key>();
  key->id = IdOf(**module, (*read)->PublicBytes());
  key->key = std::move(*read);
  return std::unique_ptr<SigningKey>(new SigningKey(std::move(key)));
}

Result<std::unique_ptr<SigningKey>> SigningKey::Load(const std::filesystem::path& path) {
  auto pem = ReadPem(path);
  if (!pem) return pem.error().Context("signing key");
  auto key = FromPem(*pem);
  std::fill(pem->begin(), pem->end(), '\0');
  if (!key) return key.error().Context("signing key " + path.string());
  return key;
}

std::string SigningKey::PrivatePem() const { return key_->key->PrivatePem(); }
std::string SigningKey::PublicPem() const { return key_->key->PublicPem(); }
std::array<std::uint8_t, kKeyIdBytes> SigningKey::KeyId() const { return key_->id; }

Result<std::array<std::uint8_t, kSignatureBytes>> SigningKey::Sign(
    std::span<const std::uint8_t> message) const {
  return key_->key->Sign(message);
}

PublicKey::PublicKey(std::unique_ptr<Key> key) : key_(std::move(key)) {}
PublicKey::~PublicKey() = default;
PublicKey::PublicKey(PublicKey&&) noexcept = default;
PublicKey& PublicKey::operator=(PublicKey&&) noexcept = default;

Result<PublicKey> PublicKey::FromPem(std::string_view pem) {
  auto module = Crypto("the public key cannot be read");
  if (!module) return module.error();
  auto read = (*module)->Ed25519PublicFromPem(pem);
  if (!read) return read.error();
  auto key = std::make_unique<Key>();
  key->id = IdOf(**module, (*read)->PublicBytes());
  key->key = std::move(*read);
  return PublicKey(std::move(key));
}

Result<PublicKey> PublicKey::Load(const std::filesystem::path& path) {
  auto pem = ReadPem(path);
  if (!pem) return pem.error().Context("public key");
  auto key = FromPem(*pem);
  if (!key) return key.error().Context("public key " + path.string());
  return key;
}

std::array<std::uint8_t, kKeyIdBytes> PublicKey::KeyId() const { return key_->id; }

bool PublicKey::Verify(std::span<const std::uint8_t> message,
                       const std::array<std::uint8_t, kSignatureBytes>& signature) const {
  return key_->key->Verify(message, signature);
}

std::string_view SignatureStateName(SignatureState state) {
  switch (state) {
    case SignatureState::kValid:
      return "valid";
    case SignatureState::kInvalid:
      return "INVALID";
    case SignatureState::kAbsent:
      return "absent";
    case SignatureState::kUnknownKey:
      return "unknown key";
  }
  return "INVALID";
}

SignatureState Verify(const Payload& payload, const PublicKey* key) {
  if (!payload.signature) return SignatureState::kAbsent;
  if (key == nullptr || key->KeyId() != payload.signature->key_id) {
    return SignatureState::kUnknownKey;
  }
  return key->Verify(payload.signed_message, payload.signature->bytes) ? SignatureState::kValid
                                                                       : SignatureState::kInvalid;
}

}  // namespace posdiag::agent::handoff
