// Helpers shared by the security tests: a CA in a temporary directory and
// the openssl command line, used only to cross-check what dim_security
// wrote.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "core/security/certs.h"
#include "tests/support/process.h"

namespace dim::security::testing {

inline int64_t NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
      .count();
}

// Names parameterized tests ".../p256" and ".../ed25519".
inline std::string KeyTypeParamName(
    const ::testing::TestParamInfo<KeyType>& param) {
  return KeyTypeName(param.param);
}

// The openssl program on PATH, or "" when there is none.
inline std::string OpensslPath() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = dir + "/openssl";
    if (!dir.empty() && access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return "";
}

inline dim::testing::RunResult Openssl(std::vector<std::string> args) {
  args.insert(args.begin(), OpensslPath());
  return dim::testing::Run(args);
}

// A temporary directory holding a CA made by InitCa.
class TestCa {
 public:
  explicit TestCa(KeyType key_type = kDefaultKeyType,
                  const std::string& subdir = "certs") {
    dir_ = tmp_.path() + "/" + subdir;
    CaOptions options;
    options.dir = dir_;
    options.key_type = key_type;
    auto files = InitCa(options);
    EXPECT_TRUE(files.ok()) << files.status().message();
  }

  const std::string& dir() const { return dir_; }
  std::string path(const std::string& file) const {
    return dir_ + "/" + file;
  }
  std::string Read(const std::string& file) const {
    return dim::testing::ReadFile(path(file));
  }

  IssueOptions Options(const std::string& name, CertKind kind) const {
    IssueOptions o;
    o.dir = dir_;
    o.name = name;
    o.kind = kind;
    return o;
  }

  // Issues <name>.crt and <name>.key; fails the test on error.
  void Issue(const std::string& name, CertKind kind,
             KeyType key_type = kDefaultKeyType) const {
    IssueOptions o = Options(name, kind);
    o.key_type = key_type;
    auto files = IssueCert(o);
    ASSERT_TRUE(files.ok()) << files.status().message();
  }

 private:
  dim::testing::TempDir tmp_;
  std::string dir_;
};

}  // namespace dim::security::testing
