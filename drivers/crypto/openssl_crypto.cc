// posdiag-crypto.so: drivers/crypto's Module through OpenSSL's libcrypto, the one file of posdiag
// (the TLS check aside) that calls it. Built as the module and, for programs that link it instead,
// as objects (drivers/crypto/CMakeLists.txt).
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "drivers/crypto/crypto.h"

namespace posdiag::drivers::crypto {
namespace {

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

Ed25519PublicBytes RawPublic(EVP_PKEY* key) {
  Ed25519PublicBytes raw{};
  std::size_t size = raw.size();
  if (EVP_PKEY_get_raw_public_key(key, raw.data(), &size) != 1 || size != raw.size()) return {};
  return raw;
}

class OpenSslPrivateKey final : public PrivateKey {
 public:
  explicit OpenSslPrivateKey(Pkey key) : key_(std::move(key)) {}
  Ed25519PublicBytes PublicBytes() const override { return RawPublic(key_.get()); }

  std::string PrivatePem() const override {
    Bio bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr,
                                         nullptr) != 1) {
      return "";
    }
    return BioText(bio.get());
  }

  std::string PublicPem() const override {
    Bio bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) return "";
    return BioText(bio.get());
  }

  Result<Ed25519Signature> Sign(std::span<const std::uint8_t> message) const override {
    MdCtx ctx(EVP_MD_CTX_new());
    Ed25519Signature sig{};
    std::size_t size = sig.size();
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
        EVP_DigestSign(ctx.get(), sig.data(), &size, message.data(), message.size()) != 1 ||
        size != sig.size()) {
      return Error{ErrorKind::kIo, "Ed25519 signing failed"};
    }
    return sig;
  }

 private:
  Pkey key_;
};

class OpenSslPublicKey final : public PublicKey {
 public:
  explicit OpenSslPublicKey(Pkey key) : key_(std::move(key)) {}
  Ed25519PublicBytes PublicBytes() const override { return RawPublic(key_.get()); }

  bool Verify(std::span<const std::uint8_t> message,
              const Ed25519Signature& signature) const override {
    MdCtx ctx(EVP_MD_CTX_new());
    return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) == 1 &&
           EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                            message.size()) == 1;
  }

 private:
  Pkey key_;
};

class OpenSslModule final : public Module {
 public:
  Result<void> Random(std::span<std::uint8_t> out) const override {
    if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
      return Error{ErrorKind::kIo, "no random bytes"};
    }
    return Ok();
  }

  Result<std::vector<std::uint8_t>> Pbkdf2Sha256(std::string_view password,
                                                 std::span<const std::uint8_t> salt,
                                                 std::uint32_t iterations,
                                                 std::size_t key_bytes) const override {
    std::vector<std::uint8_t> key(key_bytes);
    if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                          static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                          static_cast<int>(key.size()), key.data()) != 1) {
      return Error{ErrorKind::kIo, "PBKDF2 failed"};
    }
    return key;
  }

  std::array<std::uint8_t, kSha256Bytes> Sha256(
      std::span<const std::uint8_t> bytes) const override {
    std::array<std::uint8_t, kSha256Bytes> digest{};
    SHA256(bytes.data(), bytes.size(), digest.data());
    return digest;
  }

  Result<std::unique_ptr<PrivateKey>> GenerateEd25519() const override {
    Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    if (!key) return Error{ErrorKind::kIo, "Ed25519 key generation failed"};
    return std::unique_ptr<PrivateKey>(new OpenSslPrivateKey(std::move(key)));
  }

  Result<std::unique_ptr<PrivateKey>> Ed25519PrivateFromPem(std::string_view pem) const override {
    Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) return Error{ErrorKind::kIo, "out of memory"};
    Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key) return Error{ErrorKind::kInvalid, "no PEM private key (or it is encrypted)"};
    if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
      return Error{ErrorKind::kInvalid, "the private key is not an Ed25519 key"};
    }
    return std::unique_ptr<PrivateKey>(new OpenSslPrivateKey(std::move(key)));
  }

  Result<std::unique_ptr<PublicKey>> Ed25519PublicFromPem(std::string_view pem) const override {
    Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) return Error{ErrorKind::kIo, "out of memory"};
    Pkey key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
    if (!key) return Error{ErrorKind::kInvalid, "no PEM public key"};
    if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
      return Error{ErrorKind::kInvalid, "the public key is not an Ed25519 key"};
    }
    return std::unique_ptr<PublicKey>(new OpenSslPublicKey(std::move(key)));
  }
};

}  // namespace
}  // namespace posdiag::drivers::crypto

extern "C" __attribute__((visibility("default"))) const posdiag::drivers::crypto::Module*
posdiag_crypto_module_v1() {
  static const posdiag::drivers::crypto::OpenSslModule module{};
  return &module;
}
