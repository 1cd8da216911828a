#include "agent/handoff/signing.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstring>

#include "drivers/base/file.h"

namespace posdiag::agent::handoff {
namespace {

constexpr std::size_t kMaxPemBytes = 16 * 1024;

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using Bio = std::unique_ptr<BIO, BioFree>;

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

std::array<std::uint8_t, kKeyIdBytes> IdOf(EVP_PKEY* key) {
  std::array<std::uint8_t, 32> raw{};
  std::size_t size = raw.size();
  std::array<std::uint8_t, kKeyIdBytes> id{};
  if (EVP_PKEY_get_raw_public_key(key, raw.data(), &size) != 1) return id;
  std::array<std::uint8_t, SHA256_DIGEST_LENGTH> digest{};
  SHA256(raw.data(), size, digest.data());
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
  Pkey pkey;
};
struct PublicKey::Key {
  Pkey pkey;
};

SigningKey::SigningKey(std::unique_ptr<Key> key) : key_(std::move(key)) {}
SigningKey::~SigningKey() = default;

Result<std::unique_ptr<SigningKey>> SigningKey::Generate() {
  EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (raw == nullptr) return Error{ErrorKind::kIo, "Ed25519 key generation failed"};
  auto key = std::make_unique<Key>();
  key->pkey.reset(raw);
  return std::unique_ptr<SigningKey>(new SigningKey(std::move(key)));
}

Result<std::unique_ptr<SigningKey>> SigningKey::FromPem(std::string_view pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Error{ErrorKind::kIo, "out of memory"};
  Pkey pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!pkey) return Error{ErrorKind::kInvalid, "no PEM private key (or it is encrypted)"};
  if (EVP_PKEY_get_id(pkey.get()) != EVP_PKEY_ED25519) {
    return Error{ErrorKind::kInvalid, "the private key is not an Ed25519 key"};
  }
  auto key = std::make_unique<Key>();
  key->pkey = std::move(pkey);
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

std::string SigningKey::PrivatePem() const {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_->pkey.get(), nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1) {
    return "";
  }
  return BioText(bio.get());
}

std::string SigningKey::PublicPem() const {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_->pkey.get()) != 1) return "";
  return BioText(bio.get());
}

std::array<std::uint8_t, kKeyIdBytes> SigningKey::KeyId() const { return IdOf(key_->pkey.get()); }

Result<std::array<std::uint8_t, kSignatureBytes>> SigningKey::Sign(
    std::span<const std::uint8_t> message) const {
  MdCtx ctx(EVP_MD_CTX_new());
  std::array<std::uint8_t, kSignatureBytes> sig{};
  std::size_t size = sig.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_->pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig.data(), &size, message.data(), message.size()) != 1 ||
      size != sig.size()) {
    return Error{ErrorKind::kIo, "Ed25519 signing failed"};
  }
  return sig;
}

PublicKey::PublicKey(std::unique_ptr<Key> key) : key_(std::move(key)) {}
PublicKey::~PublicKey() = default;
PublicKey::PublicKey(PublicKey&&) noexcept = default;
PublicKey& PublicKey::operator=(PublicKey&&) noexcept = default;

Result<PublicKey> PublicKey::FromPem(std::string_view pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Error{ErrorKind::kIo, "out of memory"};
  Pkey pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!pkey) return Error{ErrorKind::kInvalid, "no PEM public key"};
  if (EVP_PKEY_get_id(pkey.get()) != EVP_PKEY_ED25519) {
    return Error{ErrorKind::kInvalid, "the public key is not an Ed25519 key"};
  }
  auto key = std::make_unique<Key>();
  key->pkey = std::move(pkey);
  return PublicKey(std::move(key));
}

Result<PublicKey> PublicKey::Load(const std::filesystem::path& path) {
  auto pem = ReadPem(path);
  if (!pem) return pem.error().Context("public key");
  auto key = FromPem(*pem);
  if (!key) return key.error().Context("public key " + path.string());
  return key;
}

std::array<std::uint8_t, kKeyIdBytes> PublicKey::KeyId() const { return IdOf(key_->pkey.get()); }

bool PublicKey::Verify(std::span<const std::uint8_t> message,
                       const std::array<std::uint8_t, kSignatureBytes>& signature) const {
  MdCtx ctx(EVP_MD_CTX_new());
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_->pkey.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                          message.size()) == 1;
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
