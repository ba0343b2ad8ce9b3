#include <algorithm>
#include <chrono>

#include "core/config/duration.h"
#include "core/config/toml_reader.h"
#include "core/job/job.h"
#include "core/job/job_rules.h"
#include "core/job/job_sections.h"

namespace dim::job {
namespace {

using config::TableReader;
using config::TomlEntry;
using config::TomlValue;
using Type = TomlValue::Type;

const char* const kSections[] = {"collaborative", "comparative", "chained"};

// A top-level key or section that is missing: at the start of the file.
Status MissingAtTop(const TableReader& top, const std::string& message) {
  return config::ErrorAt(top.source(), config::Position{}, "", message);
}

Status ReadTimeout(const TableReader& top, int64_t* timeout_ms) {
  const TomlEntry* entry = top.Find("timeout");
  if (entry == nullptr) return Status::Ok();

  std::chrono::milliseconds ms;
  const TomlValue& value = entry->value;
  std::string shown;
  if (value.type == Type::kString) {
    if (!config::ParseDuration(value.string, &ms)) {
      return top.ValueError(*entry,
                            "expected a duration such as '30s', '5m' or "
                            "'1h', got '" + value.string + "'");
    }
    shown = "'" + value.string + "'";
  } else if (value.type == Type::kInteger) {
    // Seconds out of range stay out of range, without overflowing.
    int64_t max_seconds = rules::kMaxTimeoutMs / 1000;
    ms = std::chrono::seconds(
        std::clamp<int64_t>(value.integer, -1, max_seconds + 1));
    shown = std::to_string(value.integer) + " seconds";
  } else {
    return top.ValueError(*entry, std::string("expected a duration, got ") +
                                      config::TypeName(value.type));
  }

  if (ms.count() < rules::kMinTimeoutMs || ms.count() > rules::kMaxTimeoutMs) {
    return top.ValueError(*entry, "expected a duration from " +
                                      rules::TimeoutRange() + ", got " + shown);
  }
  *timeout_ms = ms.count();
  return Status::Ok();
}

Status ReadHeader(const TableReader& top, dim::v1::JobSpec* spec) {
  DIM_RETURN_IF_ERROR(top.RequireString("name", spec->mutable_name()));
  std::string problem = rules::CheckName(spec->name());
  if (!problem.empty()) return top.ValueError(*top.Find("name"), problem);

  std::string pattern;
  DIM_RETURN_IF_ERROR(top.RequireString("pattern", &pattern));
  dim::v1::Pattern value;
  if (!rules::ParsePattern(pattern, &value)) {
    return top.ValueError(*top.Find("pattern"),
                          rules::UnknownPattern(pattern));
  }
  spec->set_pattern(value);

  int64_t priority = rules::kDefaultPriority;
  DIM_RETURN_IF_ERROR(top.GetInteger("priority", 0, 9, &priority));
  spec->set_priority(static_cast<int32_t>(priority));

  int64_t timeout_ms = 0;
  DIM_RETURN_IF_ERROR(ReadTimeout(top, &timeout_ms));
  spec->set_timeout_ms(timeout_ms);
  return Status::Ok();
}

Status ReadInputSection(const TableReader& top, const std::string& base_dir,
                        const tensor::Limits& tensor_limits,
                        dim::v1::JobSpec* spec) {
  const TomlValue* input;
  DIM_RETURN_IF_ERROR(top.GetTable("input", &input));
  const char* pattern = rules::PatternName(spec->pattern());
  bool collaborative = spec->pattern() == dim::v1::PATTERN_COLLABORATIVE;

  if (collaborative && input != nullptr) {
    return top.ValueError(*top.Find("input"),
                          rules::kNoInputForCollaborative);
  }
  if (collaborative) return Status::Ok();
  if (input == nullptr) {
    return MissingAtTop(top, std::string("missing required section [input] "
                                         "for pattern ") + pattern);
  }
  TableReader reader(*input, top.source(), "input");
  return ParseInput(reader, base_dir, tensor_limits, spec->mutable_input());
}

// Exactly the section named like the pattern must be present.
Status ReadPatternSection(const TableReader& top, const JobLimits& limits,
                          dim::v1::JobSpec* spec) {
  const char* pattern = rules::PatternName(spec->pattern());
  for (const char* section : kSections) {
    const TomlEntry* entry = top.Find(section);
    if (entry != nullptr && std::string(section) != pattern) {
      return top.ValueError(*entry, std::string("this section is for ") +
                                        section + " jobs, but pattern is " +
                                        pattern);
    }
  }

  const TomlValue* table;
  DIM_RETURN_IF_ERROR(top.GetTable(pattern, &table));
  if (table == nullptr) {
    return MissingAtTop(top, std::string("missing required section [") +
                                 pattern + "] for pattern " + pattern);
  }
  TableReader section(*table, top.source(), pattern);
  switch (spec->pattern()) {
    case dim::v1::PATTERN_COLLABORATIVE:
      return ParseCollaborative(section, limits, spec->mutable_collaborative());
    case dim::v1::PATTERN_COMPARATIVE:
      return ParseComparative(section, limits, spec->mutable_comparative());
    default:
      return ParseChained(section, limits, spec->mutable_chained());
  }
}

}  // namespace

JobLimits JobLimitsFrom(const config::LimitsConfig& limits) {
  JobLimits out;
  out.max_steps = limits.max_job_steps;
  out.max_models = limits.max_job_models;
  out.max_datasets = limits.max_job_datasets;
  out.max_id_length = limits.max_id_length;
  return out;
}

Result<dim::v1::JobSpec> ParseJobText(std::string_view text,
                                      const std::string& source_name,
                                      const std::string& base_dir,
                                      const JobLimits& limits,
                                      const tensor::Limits& tensor_limits) {
  Result<TomlValue> root = config::ParseToml(text, source_name);
  if (!root.ok()) return root.status();
  TableReader top(*root, source_name, "");
  DIM_RETURN_IF_ERROR(top.CheckKeys({"name", "pattern", "priority", "timeout",
                                     "input", "collaborative", "comparative",
                                     "chained"}));

  dim::v1::JobSpec spec;
  DIM_RETURN_IF_ERROR(ReadHeader(top, &spec));
  DIM_RETURN_IF_ERROR(ReadInputSection(top, base_dir, tensor_limits, &spec));
  DIM_RETURN_IF_ERROR(ReadPatternSection(top, limits, &spec));
  spec.set_source(source_name);
  return spec;
}

Result<dim::v1::JobSpec> ParseJobFile(const std::string& path,
                                      const JobLimits& limits,
                                      const tensor::Limits& tensor_limits) {
  Result<std::string> text = config::ReadTextFile(path);
  if (!text.ok()) return text.status();
  // Input files are found next to the job file.
  size_t slash = path.rfind('/');
  std::string base_dir;
  if (slash != std::string::npos) base_dir = path.substr(0, slash ? slash : 1);
  return ParseJobText(*text, path, base_dir, limits, tensor_limits);
}

}  // namespace dim::job
