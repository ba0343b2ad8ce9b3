#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "core/job/job_rules.h"
#include "core/job/job_sections.h"

namespace dim::job {
namespace {

using config::TableReader;
using config::TomlEntry;
using config::TomlValue;
using Type = TomlValue::Type;

Status Report(const TableReader& reader, const TomlEntry& entry,
              const rules::Problem& problem) {
  if (problem.ok()) return Status::Ok();
  if (problem.index < 0) return reader.ValueError(entry, problem.message);
  return reader.ItemError(entry, entry.value.items[problem.index],
                          problem.message);
}

// A required list of ids, checked by rules::CheckIds.
Status ReadIds(const TableReader& reader, std::string_view key,
               const char* noun, int64_t lo, int64_t hi,
               const JobLimits& limits, std::vector<std::string>* out) {
  const TomlEntry* entry = reader.Find(key);
  if (entry == nullptr) return reader.MissingKey(key);
  DIM_RETURN_IF_ERROR(reader.GetStringArray(key, out));
  return Report(reader, *entry,
                rules::CheckIds(*out, noun, lo, hi,
                                static_cast<size_t>(limits.max_id_length)));
}

Status ReadModel(const TableReader& reader, const JobLimits& limits,
                 std::string* out) {
  DIM_RETURN_IF_ERROR(reader.RequireString("model", out));
  std::string problem = rules::CheckId(
      *out, "model", static_cast<size_t>(limits.max_id_length));
  if (problem.empty()) return Status::Ok();
  return reader.ValueError(*reader.Find("model"), problem);
}

Status ReadWeights(const TableReader& reader, const TomlEntry& entry,
                   size_t models, std::vector<double>* out) {
  if (entry.value.type != Type::kArray) {
    return reader.TypeError(entry, entry.value, Type::kArray);
  }
  for (const TomlValue& item : entry.value.items) {
    if (item.type == Type::kInteger) {
      out->push_back(static_cast<double>(item.integer));
    } else if (item.type == Type::kFloat) {
      out->push_back(item.floating);
    } else {
      return reader.ItemError(entry, item,
                              std::string("expected a number, got ") +
                                  config::TypeName(item.type));
    }
  }
  return Report(reader, entry, rules::CheckWeights(*out, models));
}

// Step `index` of `steps`, the entry of the [chained] table.
Status ReadStep(const TableReader& chained, const TomlEntry& steps,
                size_t index, const JobLimits& limits,
                dim::v1::ChainStep* out) {
  const TomlValue& item = steps.value.items[index];
  if (item.type != Type::kTable) {
    return chained.TypeError(steps, item, Type::kTable);
  }
  TableReader step(item, chained.source(),
                   chained.Field("steps") + "[" + std::to_string(index) + "]");
  DIM_RETURN_IF_ERROR(step.CheckKeys({"model", "nodes"}));
  DIM_RETURN_IF_ERROR(ReadModel(step, limits, out->mutable_model()));

  if (step.Find("nodes") == nullptr) return Status::Ok();
  std::vector<std::string> nodes;
  DIM_RETURN_IF_ERROR(ReadIds(step, "nodes", "node", 0,
                              std::numeric_limits<int64_t>::max(), limits,
                              &nodes));
  for (std::string& node : nodes) out->add_nodes(std::move(node));
  return Status::Ok();
}

}  // namespace

Status ParseCollaborative(const TableReader& section, const JobLimits& limits,
                          dim::v1::CollaborativeSpec* out) {
  DIM_RETURN_IF_ERROR(section.CheckKeys({"model", "datasets", "aggregation"}));
  DIM_RETURN_IF_ERROR(ReadModel(section, limits, out->mutable_model()));

  std::vector<std::string> datasets;
  DIM_RETURN_IF_ERROR(ReadIds(section, "datasets", "dataset", 1,
                              limits.max_datasets, limits, &datasets));
  for (std::string& dataset : datasets) out->add_datasets(std::move(dataset));

  std::string aggregation = "mean";
  DIM_RETURN_IF_ERROR(section.GetString("aggregation", &aggregation));
  dim::v1::Aggregation rule;
  if (!rules::ParseAggregation(aggregation, &rule)) {
    return section.ValueError(*section.Find("aggregation"),
                              rules::UnknownAggregation(aggregation));
  }
  out->set_aggregation(rule);
  return Status::Ok();
}

Status ParseComparative(const TableReader& section, const JobLimits& limits,
                        dim::v1::ComparativeSpec* out) {
  DIM_RETURN_IF_ERROR(section.CheckKeys({"models", "consensus", "weights"}));
  std::vector<std::string> models;
  DIM_RETURN_IF_ERROR(
      ReadIds(section, "models", "model", 2, limits.max_models, limits,
              &models));
  for (const std::string& model : models) out->add_models(model);

  std::string consensus = "majority_vote";
  DIM_RETURN_IF_ERROR(section.GetString("consensus", &consensus));
  dim::v1::Consensus rule;
  if (!rules::ParseConsensus(consensus, &rule)) {
    return section.ValueError(*section.Find("consensus"),
                              rules::UnknownConsensus(consensus));
  }
  out->set_consensus(rule);

  const TomlEntry* weights = section.Find("weights");
  bool weighted = rule == dim::v1::CONSENSUS_WEIGHTED_VOTE;
  if (weights != nullptr && !weighted) {
    return section.ValueError(
        *weights, "weights apply only to consensus weighted_vote");
  }
  if (weights == nullptr && weighted) return section.MissingKey("weights");
  if (weights == nullptr) return Status::Ok();

  std::vector<double> values;
  DIM_RETURN_IF_ERROR(ReadWeights(section, *weights, models.size(), &values));
  for (double w : values) out->add_weights(w);
  return Status::Ok();
}

Status ParseChained(const TableReader& section, const JobLimits& limits,
                    dim::v1::ChainedSpec* out) {
  DIM_RETURN_IF_ERROR(section.CheckKeys({"steps"}));
  const TomlEntry* steps = section.Find("steps");
  if (steps == nullptr) return section.MissingKey("steps");
  if (steps->value.type != Type::kArray) {
    return section.TypeError(*steps, steps->value, Type::kArray);
  }

  size_t count = steps->value.items.size();
  std::string problem = rules::CheckCount(static_cast<int64_t>(count), "step",
                                          1, limits.max_steps);
  if (!problem.empty()) return section.ValueError(*steps, problem);
  for (size_t i = 0; i < count; ++i) {
    DIM_RETURN_IF_ERROR(
        ReadStep(section, *steps, i, limits, out->add_steps()));
  }
  return Status::Ok();
}

}  // namespace dim::job
