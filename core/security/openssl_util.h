// Internal to core/security: owning pointers for OpenSSL objects, the one
// way OpenSSL errors become a Status, and PEM conversions. Nothing outside
// this folder includes it, so OpenSSL headers stay out of other layers.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <memory>
#include <string>

#include "core/security/keys.h"
#include "core/util/status.h"

namespace dim::security {

template <typename T, void (*Free)(T*)>
struct OpenSslFree {
  void operator()(T* p) const { Free(p); }
};

using PkeyPtr =
    std::unique_ptr<EVP_PKEY, OpenSslFree<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslFree<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslFree<BIO, BIO_free_all>>;
using MdCtxPtr =
    std::unique_ptr<EVP_MD_CTX, OpenSslFree<EVP_MD_CTX, EVP_MD_CTX_free>>;
using NamePtr =
    std::unique_ptr<X509_NAME, OpenSslFree<X509_NAME, X509_NAME_free>>;
using ExtensionPtr = std::unique_ptr<
    X509_EXTENSION, OpenSslFree<X509_EXTENSION, X509_EXTENSION_free>>;
using GeneralNamesPtr = std::unique_ptr<
    GENERAL_NAMES, OpenSslFree<GENERAL_NAMES, GENERAL_NAMES_free>>;
using StorePtr =
    std::unique_ptr<X509_STORE, OpenSslFree<X509_STORE, X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<
    X509_STORE_CTX, OpenSslFree<X509_STORE_CTX, X509_STORE_CTX_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslFree<BIGNUM, BN_free>>;

// "<what>: <OpenSSL's reasons>", draining this thread's error queue so that
// a later failure does not report a stale reason.
std::string OpenSslError(const std::string& what);
Status OpenSslStatus(Code code, const std::string& what);

// `source` names where the PEM came from (a path, "certificate of node-a")
// and appears in errors.
Result<PkeyPtr> ParsePrivateKeyPem(const std::string& pem,
                                   const std::string& source);
Result<X509Ptr> ParseCertPem(const std::string& pem,
                             const std::string& source);
Result<std::string> PrivateKeyToPem(EVP_PKEY* key);
Result<std::string> CertToPem(X509* cert);

// Unix milliseconds of an ASN.1 time; -1 if OpenSSL cannot read it.
int64_t Asn1TimeToMs(const ASN1_TIME* time);
// The certificate's common name, or "" when it has none.
std::string CertCommonName(X509* cert);

// Ed25519 signs the message itself; every other key type signs a SHA-256
// digest. Returns nullptr for the former, as EVP_DigestSign* expects.
const EVP_MD* DigestFor(EVP_PKEY* key);

// A fresh key pair; implemented in keys.cc.
Result<PkeyPtr> GenerateKey(KeyType type);

}  // namespace dim::security
