#include "core/security/cert_info.h"

#include <arpa/inet.h>
#include <openssl/err.h>

#include <cstdio>
#include <ctime>

#include "core/security/files.h"
#include "core/security/openssl_util.h"

namespace dim::security {
namespace {

std::string NameText(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) {
    return "";
  }
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : "";
}

std::string IpText(const ASN1_OCTET_STRING* ip) {
  char buf[INET6_ADDRSTRLEN] = "";
  int len = ASN1_STRING_length(ip);
  const unsigned char* data = ASN1_STRING_get0_data(ip);
  if (len == 4) inet_ntop(AF_INET, data, buf, sizeof buf);
  if (len == 16) inet_ntop(AF_INET6, data, buf, sizeof buf);
  return buf;
}

void ReadAltNames(X509* cert, CertInfo* info) {
  GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type == GEN_DNS) {
      const ASN1_IA5STRING* dns = name->d.dNSName;
      info->dns_names.emplace_back(
          reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
          static_cast<size_t>(ASN1_STRING_length(dns)));
    } else if (name->type == GEN_IPADD) {
      info->ip_addresses.push_back(IpText(name->d.iPAddress));
    }
  }
}

std::string Fingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &len) != 1) return "";
  std::string out;
  char hex[4];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(hex, sizeof hex, i == 0 ? "%02X" : ":%02X", md[i]);
    out += hex;
  }
  return out;
}

std::string KeyTypeText(X509* cert) {
  EVP_PKEY* key = X509_get0_pubkey(cert);
  if (key == nullptr) return "unknown";
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_ED25519: return "Ed25519";
    case EVP_PKEY_RSA: return "RSA-" + std::to_string(EVP_PKEY_get_bits(key));
    case EVP_PKEY_EC: {
      char group[64] = "";
      EVP_PKEY_get_group_name(key, group, sizeof group, nullptr);
      std::string g = group;
      return g == "prime256v1" || g == "P-256" ? "P-256" : "EC " + g;
    }
    default: {
      const char* name = EVP_PKEY_get0_type_name(key);
      return name != nullptr ? name : "unknown";
    }
  }
}

std::string SerialText(X509* cert) {
  BignumPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  if (!bn) return "";
  char* hex = BN_bn2hex(bn.get());
  std::string out = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  return out;
}

std::vector<std::string> ExtendedKeyUsage(X509* cert) {
  uint32_t flags = X509_get_extended_key_usage(cert);
  // All bits set means the certificate has no such extension.
  if (flags == UINT32_MAX) return {};
  std::vector<std::string> out;
  if (flags & XKU_SSL_SERVER) out.push_back("serverAuth");
  if (flags & XKU_SSL_CLIENT) out.push_back("clientAuth");
  if (flags & XKU_CODE_SIGN) out.push_back("codeSigning");
  if (flags & XKU_SMIME) out.push_back("emailProtection");
  return out;
}

CertInfo Describe(X509* cert) {
  CertInfo info;
  info.subject = NameText(X509_get_subject_name(cert));
  info.issuer = NameText(X509_get_issuer_name(cert));
  info.common_name = CertCommonName(cert);
  ReadAltNames(cert, &info);
  info.not_before_ms = Asn1TimeToMs(X509_get0_notBefore(cert));
  info.not_after_ms = Asn1TimeToMs(X509_get0_notAfter(cert));
  info.sha256_fingerprint = Fingerprint(cert);
  info.key_type = KeyTypeText(cert);
  // Reading the flags also makes OpenSSL parse the cached extensions.
  info.is_ca = (X509_get_extension_flags(cert) & EXFLAG_CA) != 0;
  info.serial = SerialText(cert);
  info.extended_key_usage = ExtendedKeyUsage(cert);
  return info;
}

}  // namespace

Result<CertInfo> ReadCert(const std::string& path) {
  Result<std::string> pem = ReadSmallFile(path);
  if (!pem.ok()) return pem.status();
  return ParseCert(*pem, path);
}

Result<CertInfo> ParseCert(const std::string& pem,
                           const std::string& source) {
  Result<X509Ptr> cert = ParseCertPem(pem, source);
  if (!cert.ok()) return cert.status();
  CertInfo info = Describe(cert->get());
  ERR_clear_error();
  return info;
}

Result<std::string> CommonName(const std::string& cert_pem) {
  Result<X509Ptr> cert = ParseCertPem(cert_pem, "certificate");
  if (!cert.ok()) return cert.status();
  std::string cn = CertCommonName(cert->get());
  if (cn.empty()) {
    return InvalidArgument("certificate " +
                           NameText(X509_get_subject_name(cert->get())) +
                           " has no common name");
  }
  return cn;
}

std::string FormatUtcTime(int64_t unix_ms) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace dim::security
