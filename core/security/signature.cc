#include "core/security/signature.h"

#include <openssl/err.h>

#include "core/security/cert_info.h"
#include "core/security/openssl_util.h"

namespace dim::security {
namespace {

Status Unauthenticated(std::string message) {
  return Status(Code::kUnauthenticated, std::move(message));
}

// The common name, the id a node or user goes by.
std::string Describe(X509* cert) {
  std::string cn = CertCommonName(cert);
  return cn.empty() ? "(no common name)" : cn;
}

// Turns X509_verify_cert's verdict into a sentence about the certificate
// that failed: the node's own, or the CA's.
Status ChainError(X509_STORE_CTX* ctx, X509* leaf) {
  int err = X509_STORE_CTX_get_error(ctx);
  X509* failed = X509_STORE_CTX_get_current_cert(ctx);
  if (failed == nullptr) failed = leaf;
  std::string who = failed == leaf ? "certificate for " + Describe(leaf)
                                   : "CA certificate " + Describe(failed);
  switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return Unauthenticated(
          who + " expired at " +
          FormatUtcTime(Asn1TimeToMs(X509_get0_notAfter(failed))));
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return Unauthenticated(
          who + " is not valid before " +
          FormatUtcTime(Asn1TimeToMs(X509_get0_notBefore(failed))));
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      return Unauthenticated("certificate for " + Describe(leaf) +
                             " is not signed by the configured CA");
    default:
      return Unauthenticated("certificate for " + Describe(leaf) +
                             " is not valid: " +
                             X509_verify_cert_error_string(err));
  }
}

}  // namespace

Result<std::string> SignBytes(const std::string& key_pem,
                              std::string_view data) {
  Result<PkeyPtr> key = ParsePrivateKeyPem(key_pem, "signing key");
  if (!key.ok()) return key.status();
  MdCtxPtr ctx(EVP_MD_CTX_new());
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  size_t len = 0;
  if (!ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, DigestFor(key->get()), nullptr,
                         key->get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, bytes, data.size()) != 1) {
    return OpenSslStatus(Code::kInternal, "preparing to sign");
  }
  std::string sig(len, '\0');
  auto* out = reinterpret_cast<unsigned char*>(sig.data());
  if (EVP_DigestSign(ctx.get(), out, &len, bytes, data.size()) != 1) {
    return OpenSslStatus(Code::kInternal, "signing");
  }
  sig.resize(len);  // ECDSA's DER signatures vary in length
  return sig;
}

Status VerifySignature(const std::string& cert_pem, std::string_view data,
                       std::string_view sig) {
  Result<X509Ptr> cert = ParseCertPem(cert_pem, "signer's certificate");
  if (!cert.ok()) return cert.status();
  EVP_PKEY* key = X509_get0_pubkey(cert->get());
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (key == nullptr || !ctx ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, DigestFor(key), nullptr,
                           key) != 1) {
    return OpenSslStatus(Code::kInvalidArgument,
                         "key of certificate for " + Describe(cert->get()));
  }
  int ok = EVP_DigestVerify(
      ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()),
      sig.size(), reinterpret_cast<const unsigned char*>(data.data()),
      data.size());
  // A malformed signature is an error to OpenSSL; to us it is a bad one.
  ERR_clear_error();
  if (ok == 1) return Status::Ok();
  return Unauthenticated("signature does not match the key of certificate "
                         "for " + Describe(cert->get()));
}

Status VerifyChain(const std::string& cert_pem, const std::string& ca_pem,
                   int64_t now_ms) {
  Result<X509Ptr> cert = ParseCertPem(cert_pem, "peer certificate");
  if (!cert.ok()) return cert.status();
  Result<X509Ptr> ca = ParseCertPem(ca_pem, "CA certificate");
  if (!ca.ok()) return ca.status();
  StorePtr store(X509_STORE_new());
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !ctx || X509_STORE_add_cert(store.get(), ca->get()) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), cert->get(), nullptr) !=
          1) {
    return OpenSslStatus(Code::kInternal, "setting up verification");
  }
  X509_STORE_CTX_set_time(ctx.get(), 0, static_cast<time_t>(now_ms / 1000));
  int ok = X509_verify_cert(ctx.get());
  ERR_clear_error();
  if (ok == 1) return Status::Ok();
  return ChainError(ctx.get(), cert->get());
}

Status CheckKeyMatchesCert(const std::string& key_pem,
                           const std::string& cert_pem) {
  Result<PkeyPtr> key = ParsePrivateKeyPem(key_pem, "private key");
  if (!key.ok()) return key.status();
  Result<X509Ptr> cert = ParseCertPem(cert_pem, "certificate");
  if (!cert.ok()) return cert.status();
  if (X509_check_private_key(cert->get(), key->get()) == 1) {
    return Status::Ok();
  }
  ERR_clear_error();
  return FailedPrecondition("private key does not belong to certificate "
                            "for " + Describe(cert->get()));
}

}  // namespace dim::security
