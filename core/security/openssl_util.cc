#include "core/security/openssl_util.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <ctime>

namespace dim::security {

std::string OpenSslError(const std::string& what) {
  std::string reasons;
  unsigned long err;
  while ((err = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof buf);
    if (!reasons.empty()) reasons += "; ";
    reasons += buf;
  }
  if (reasons.empty()) reasons = "OpenSSL gave no reason";
  return what + ": " + reasons;
}

Status OpenSslStatus(Code code, const std::string& what) {
  return Status(code, OpenSslError(what));
}

Result<PkeyPtr> ParsePrivateKeyPem(const std::string& pem,
                                   const std::string& source) {
  ERR_clear_error();
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return OpenSslStatus(Code::kInternal, source);
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    return OpenSslStatus(Code::kInvalidArgument,
                         "no private key in " + source);
  }
  return key;
}

Result<X509Ptr> ParseCertPem(const std::string& pem,
                             const std::string& source) {
  ERR_clear_error();
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return OpenSslStatus(Code::kInternal, source);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    return OpenSslStatus(Code::kInvalidArgument,
                         "no certificate in " + source);
  }
  return cert;
}

namespace {

Result<std::string> BioContents(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  if (n < 0 || data == nullptr) {
    return OpenSslStatus(Code::kInternal, "reading a memory BIO");
  }
  return std::string(data, static_cast<size_t>(n));
}

}  // namespace

Result<std::string> PrivateKeyToPem(EVP_PKEY* key) {
  ERR_clear_error();
  BioPtr bio(BIO_new(BIO_s_mem()));
  // PKCS#8 without a passphrase: the file's 0600 mode is the protection.
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0,
                                       nullptr, nullptr) != 1) {
    return OpenSslStatus(Code::kInternal, "encoding a private key as PEM");
  }
  return BioContents(bio.get());
}

Result<std::string> CertToPem(X509* cert) {
  ERR_clear_error();
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) {
    return OpenSslStatus(Code::kInternal, "encoding a certificate as PEM");
  }
  return BioContents(bio.get());
}

int64_t Asn1TimeToMs(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return -1;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

std::string CertCommonName(X509* cert) {
  X509_NAME* name = X509_get_subject_name(cert);
  int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return "";
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name,
                                                                   index));
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, data);
  if (n < 0) return "";
  std::string cn(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
  OPENSSL_free(utf8);
  return cn;
}

const EVP_MD* DigestFor(EVP_PKEY* key) {
  int id = EVP_PKEY_get_base_id(key);
  if (id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448) return nullptr;
  return EVP_sha256();
}

}  // namespace dim::security
