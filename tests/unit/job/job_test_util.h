// A folder of job files for one test, and the messages they produce.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/job/job.h"

namespace dim::job {

class JobFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "/job_test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& bytes) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  Result<dim::v1::JobSpec> Parse(const std::string& text) {
    return ParseJobFile(Write("job.toml", text), limits_, tensor_limits_);
  }

  // The message of parsing text as job.toml, with the folder cut off.
  std::string ErrorOf(const std::string& text,
                      Code code = Code::kInvalidArgument) {
    Result<dim::v1::JobSpec> spec = Parse(text);
    if (spec.ok()) return "no error";
    EXPECT_EQ(spec.status().code(), code);
    std::string message = spec.status().message();
    std::string prefix = dir_ + "/";
    for (size_t at; (at = message.find(prefix)) != std::string::npos;) {
      message.erase(at, prefix.size());
    }
    return message;
  }

  std::string dir_;
  JobLimits limits_;
  dim::tensor::Limits tensor_limits_;
};

}  // namespace dim::job
