#include "core/security/certs.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <pwd.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <ctime>

#include "core/security/openssl_util.h"

namespace dim::security {
namespace {

constexpr int64_t kDayMs = 86400 * 1000LL;
// Backdating absorbs clock differences between the issuing machine and
// the peers that check the certificate.
constexpr int64_t kClockSkewMs = 5 * 60 * 1000;
constexpr int kMaxDays = 100 * 366;
// RFC 5280's upper bound for a common name.
constexpr size_t kMaxNameLength = 64;

int64_t NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
      .count();
}

std::string JoinPath(const std::string& dir, const std::string& file) {
  if (!dir.empty() && dir.back() == '/') return dir + file;
  return dir + "/" + file;
}

Status CheckDays(int days) {
  if (days >= 1 && days <= kMaxDays) return Status::Ok();
  return InvalidArgument("validity of " + std::to_string(days) +
                         " days is out of range (1 to " +
                         std::to_string(kMaxDays) + ")");
}

// The name becomes a file stem, so it must not climb out of the directory
// or collide with the CA's own files.
Status CheckName(const std::string& name) {
  if (name.empty() || name.size() > kMaxNameLength) {
    return InvalidArgument("certificate name '" + name +
                           "' must have 1 to 64 characters");
  }
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' ||
        c == '_' || c == '-' || c == '@') {
      continue;
    }
    return InvalidArgument("certificate name '" + name +
                           "' may hold only letters, digits and . _ - @");
  }
  if (name[0] == '.' || name[0] == '-') {
    return InvalidArgument("certificate name '" + name +
                           "' must not start with '.' or '-'");
  }
  if (name == "ca") {
    return InvalidArgument("certificate name 'ca' is taken by the CA");
  }
  return Status::Ok();
}

bool ValidDnsLabel(const std::string& label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  for (char c : label) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') {
      return false;
    }
  }
  return true;
}

// Host names as RFC 1123 spells them, with an optional leading "*.".
Status CheckDnsName(const std::string& name) {
  std::string rest = name.rfind("*.", 0) == 0 ? name.substr(2) : name;
  bool ok = !rest.empty() && name.size() <= 253;
  size_t start = 0;
  while (ok) {
    size_t dot = rest.find('.', start);
    ok = ValidDnsLabel(rest.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (ok) return Status::Ok();
  return InvalidArgument("invalid DNS name '" + name + "'");
}

struct Validity {
  int64_t not_before_ms;
  int64_t not_after_ms;
};

Validity ValidityFor(int64_t not_before_ms, int days) {
  if (not_before_ms != 0) {
    return {not_before_ms, not_before_ms + days * kDayMs};
  }
  int64_t now = NowMs();
  return {now - kClockSkewMs, now + days * kDayMs};
}

// 16 random bytes with the top bit clear (so the DER integer stays
// positive and 16 bytes long) and the next bit set (so it never shrinks).
Status SetRandomSerial(X509* cert) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    return OpenSslStatus(Code::kInternal, "generating a serial number");
  }
  bytes[0] = static_cast<unsigned char>((bytes[0] & 0x7f) | 0x40);
  BignumPtr bn(BN_bin2bn(bytes, sizeof bytes, nullptr));
  if (!bn || !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert))) {
    return OpenSslStatus(Code::kInternal, "setting a serial number");
  }
  return Status::Ok();
}

Status SetValidity(X509* cert, Validity v) {
  if (!ASN1_TIME_set(X509_getm_notBefore(cert),
                     static_cast<time_t>(v.not_before_ms / 1000)) ||
      !ASN1_TIME_set(X509_getm_notAfter(cert),
                     static_cast<time_t>(v.not_after_ms / 1000))) {
    return OpenSslStatus(Code::kInternal, "setting the validity period");
  }
  return Status::Ok();
}

// A v3 certificate for `key` named CN=`cn`, not yet signed.
Result<X509Ptr> NewCert(EVP_PKEY* key, const std::string& cn, Validity v) {
  X509Ptr cert(X509_new());
  NamePtr name(X509_NAME_new());
  const auto* text = reinterpret_cast<const unsigned char*>(cn.c_str());
  if (!cert || !name || !X509_set_version(cert.get(), X509_VERSION_3) ||
      !X509_NAME_add_entry_by_NID(name.get(), NID_commonName, MBSTRING_UTF8,
                                  text, -1, -1, 0) ||
      !X509_set_subject_name(cert.get(), name.get()) ||
      !X509_set_pubkey(cert.get(), key)) {
    return OpenSslStatus(Code::kInternal, "building certificate " + cn);
  }
  DIM_RETURN_IF_ERROR(SetRandomSerial(cert.get()));
  DIM_RETURN_IF_ERROR(SetValidity(cert.get(), v));
  return cert;
}

// `value` is in OpenSSL's configuration syntax; only fixed strings go
// through it, never user input.
Status AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || !X509_add_ext(cert, ext.get(), -1)) {
    return OpenSslStatus(Code::kInternal, std::string("adding extension ") +
                                              OBJ_nid2sn(nid) + "=" + value);
  }
  return Status::Ok();
}

Status PushName(GENERAL_NAMES* names, int type, const void* data, int len) {
  GENERAL_NAME* name = GENERAL_NAME_new();
  ASN1_STRING* value = type == GEN_DNS ? ASN1_IA5STRING_new()
                                       : ASN1_OCTET_STRING_new();
  if (!name || !value || !ASN1_STRING_set(value, data, len)) {
    GENERAL_NAME_free(name);
    ASN1_STRING_free(value);
    return OpenSslStatus(Code::kInternal, "building a subject alt name");
  }
  GENERAL_NAME_set0_value(name, type, value);
  if (!sk_GENERAL_NAME_push(names, name)) {
    GENERAL_NAME_free(name);
    return OpenSslStatus(Code::kInternal, "building a subject alt name");
  }
  return Status::Ok();
}

Status PushIp(GENERAL_NAMES* names, const std::string& ip) {
  unsigned char addr[16];
  if (inet_pton(AF_INET, ip.c_str(), addr) == 1) {
    return PushName(names, GEN_IPADD, addr, 4);
  }
  if (inet_pton(AF_INET6, ip.c_str(), addr) == 1) {
    return PushName(names, GEN_IPADD, addr, 16);
  }
  return InvalidArgument("invalid IP address '" + ip + "'");
}

template <typename T>
void AppendUnique(std::vector<T>* out, const std::vector<T>& more) {
  for (const auto& v : more) {
    bool seen = false;
    for (const auto& o : *out) seen = seen || o == v;
    if (!seen) out->push_back(v);
  }
}

// Built as structures rather than a configuration string, so that a name
// holding a comma cannot smuggle in another entry.
Status AddSubjectAltNames(X509* cert, const IssueOptions& o) {
  std::vector<std::string> dns, ips;
  if (o.kind == CertKind::kServer) {
    dns.push_back("localhost");
    ips.push_back("127.0.0.1");
  }
  AppendUnique(&dns, o.dns_names);
  AppendUnique(&ips, o.ips);
  if (dns.empty() && ips.empty()) return Status::Ok();
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (!names) return OpenSslStatus(Code::kInternal, "subject alt names");
  for (const auto& d : dns) {
    DIM_RETURN_IF_ERROR(CheckDnsName(d));
    DIM_RETURN_IF_ERROR(PushName(names.get(), GEN_DNS, d.data(),
                                 static_cast<int>(d.size())));
  }
  for (const auto& ip : ips) DIM_RETURN_IF_ERROR(PushIp(names.get(), ip));
  if (!X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0,
                         X509V3_ADD_DEFAULT)) {
    return OpenSslStatus(Code::kInternal, "adding subject alt names");
  }
  return Status::Ok();
}

Status Sign(X509* cert, EVP_PKEY* key, const std::string& what) {
  if (X509_sign(cert, key, DigestFor(key)) <= 0) {
    return OpenSslStatus(Code::kInternal, "signing " + what);
  }
  return Status::Ok();
}

Status CheckWritable(const CertFiles& files, Overwrite overwrite) {
  if (overwrite == Overwrite::kYes) return Status::Ok();
  DIM_RETURN_IF_ERROR(CheckAbsent(files.key_path));
  return CheckAbsent(files.cert_path);
}

// The key goes first: a certificate without its key is useless, and if the
// certificate cannot be written, the new key is taken back.
Status WritePair(const CertFiles& files, EVP_PKEY* key, X509* cert,
                 Overwrite overwrite) {
  Result<std::string> key_pem = PrivateKeyToPem(key);
  if (!key_pem.ok()) return key_pem.status();
  Result<std::string> cert_pem = CertToPem(cert);
  if (!cert_pem.ok()) return cert_pem.status();
  DIM_RETURN_IF_ERROR(
      WriteFileAtomic(files.key_path, *key_pem, 0600, overwrite));
  Status st = WriteFileAtomic(files.cert_path, *cert_pem, 0644, overwrite);
  if (!st.ok() && overwrite == Overwrite::kNo) unlink(files.key_path.c_str());
  return st;
}

struct Ca {
  PkeyPtr key;
  X509Ptr cert;
};

Result<Ca> LoadCa(const std::string& dir) {
  std::string key_path = JoinPath(dir, kCaKeyFile);
  std::string cert_path = JoinPath(dir, kCaCertFile);
  Result<std::string> key_pem = ReadSmallFile(key_path);
  if (!key_pem.ok()) {
    return key_pem.status().WithContext("no CA in " + dir);
  }
  Result<std::string> cert_pem = ReadSmallFile(cert_path);
  if (!cert_pem.ok()) return cert_pem.status();
  Result<PkeyPtr> key = ParsePrivateKeyPem(*key_pem, key_path);
  if (!key.ok()) return key.status();
  Result<X509Ptr> cert = ParseCertPem(*cert_pem, cert_path);
  if (!cert.ok()) return cert.status();
  if (X509_check_private_key(cert->get(), key->get()) != 1) {
    return OpenSslStatus(Code::kFailedPrecondition,
                         key_path + " is not the key of " + cert_path);
  }
  return Ca{std::move(key).value(), std::move(cert).value()};
}

}  // namespace

std::string DefaultCertDir() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (xdg != nullptr && xdg[0] == '/') {
    return std::string(xdg) + "/dimctl/certs";
  }
  const char* home = std::getenv("HOME");
  if (home == nullptr || home[0] == '\0') {
    const passwd* pw = getpwuid(getuid());
    home = pw != nullptr ? pw->pw_dir : ".";
  }
  return std::string(home) + "/.config/dimctl/certs";
}

Result<CertFiles> InitCa(const CaOptions& o) {
  DIM_RETURN_IF_ERROR(CheckDays(o.days));
  if (o.common_name.empty() || o.common_name.size() > kMaxNameLength) {
    return InvalidArgument("CA common name must have 1 to 64 characters");
  }
  CertFiles files{JoinPath(o.dir, kCaKeyFile), JoinPath(o.dir, kCaCertFile)};
  DIM_RETURN_IF_ERROR(MakeDirs(o.dir, 0700));
  DIM_RETURN_IF_ERROR(CheckWritable(files, o.overwrite));
  ERR_clear_error();

  Result<PkeyPtr> key = GenerateKey(o.key_type);
  if (!key.ok()) return key.status();
  Validity v = ValidityFor(o.not_before_ms, o.days);
  Result<X509Ptr> cert = NewCert(key->get(), o.common_name, v);
  if (!cert.ok()) return cert.status();
  X509* x = cert->get();
  X509_set_issuer_name(x, X509_get_subject_name(x));

  DIM_RETURN_IF_ERROR(
      AddExtension(x, x, NID_basic_constraints, "critical,CA:TRUE"));
  DIM_RETURN_IF_ERROR(
      AddExtension(x, x, NID_key_usage, "critical,keyCertSign,cRLSign"));
  DIM_RETURN_IF_ERROR(AddExtension(x, x, NID_subject_key_identifier, "hash"));
  DIM_RETURN_IF_ERROR(Sign(x, key->get(), files.cert_path));
  DIM_RETURN_IF_ERROR(WritePair(files, key->get(), x, o.overwrite));
  return files;
}

Result<CertFiles> IssueCert(const IssueOptions& o) {
  DIM_RETURN_IF_ERROR(CheckName(o.name));
  DIM_RETURN_IF_ERROR(CheckDays(o.days));
  Result<Ca> ca = LoadCa(o.dir);
  if (!ca.ok()) return ca.status();
  CertFiles files{JoinPath(o.dir, o.name + ".key"),
                  JoinPath(o.dir, o.name + ".crt")};
  DIM_RETURN_IF_ERROR(CheckWritable(files, o.overwrite));
  ERR_clear_error();

  Result<PkeyPtr> key = GenerateKey(o.key_type);
  if (!key.ok()) return key.status();
  Validity v = ValidityFor(o.not_before_ms, o.days);
  Result<X509Ptr> cert = NewCert(key->get(), o.name, v);
  if (!cert.ok()) return cert.status();
  X509* x = cert->get();
  X509* issuer = ca->cert.get();
  X509_set_issuer_name(x, X509_get_subject_name(issuer));

  const char* eku = o.kind == CertKind::kServer ? "serverAuth,clientAuth"
                                                : "clientAuth";
  DIM_RETURN_IF_ERROR(
      AddExtension(x, issuer, NID_basic_constraints, "critical,CA:FALSE"));
  DIM_RETURN_IF_ERROR(
      AddExtension(x, issuer, NID_key_usage, "critical,digitalSignature"));
  DIM_RETURN_IF_ERROR(AddExtension(x, issuer, NID_ext_key_usage, eku));
  DIM_RETURN_IF_ERROR(
      AddExtension(x, issuer, NID_subject_key_identifier, "hash"));
  DIM_RETURN_IF_ERROR(
      AddExtension(x, issuer, NID_authority_key_identifier, "keyid:always"));
  DIM_RETURN_IF_ERROR(AddSubjectAltNames(x, o));
  DIM_RETURN_IF_ERROR(Sign(x, ca->key.get(), files.cert_path));
  DIM_RETURN_IF_ERROR(WritePair(files, key->get(), x, o.overwrite));
  return files;
}

}  // namespace dim::security
