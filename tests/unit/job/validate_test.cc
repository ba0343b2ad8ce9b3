// ValidateJobSpec: the rules of job files applied to specs that arrive over
// the wire, where there are no positions but the field is named.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "core/job/job.h"
#include "core/tensor/wire.h"

namespace dim::job {
namespace {

dim::v1::JobSpec Comparative() {
  dim::v1::JobSpec spec;
  spec.set_name("second-opinion");
  spec.set_pattern(dim::v1::PATTERN_COMPARATIVE);
  spec.set_priority(5);
  tensor::ToProto(tensor::Tensor::FromFloats({1, 2}, {0.5f, 1.5f}),
                  spec.mutable_input());
  dim::v1::ComparativeSpec* c = spec.mutable_comparative();
  for (const char* model : {"diag-a", "diag-b", "diag-c"}) c->add_models(model);
  c->set_consensus(dim::v1::CONSENSUS_WEIGHTED_VOTE);
  for (double w : {2.0, 1.0, 1.0}) c->add_weights(w);
  return spec;
}

dim::v1::JobSpec Collaborative() {
  dim::v1::JobSpec spec;
  spec.set_name("ward-risk");
  spec.set_pattern(dim::v1::PATTERN_COLLABORATIVE);
  dim::v1::CollaborativeSpec* c = spec.mutable_collaborative();
  c->set_model("risk-score");
  c->add_datasets("ward-a");
  c->set_aggregation(dim::v1::AGGREGATION_MEAN);
  return spec;
}

dim::v1::JobSpec Chained() {
  dim::v1::JobSpec spec;
  spec.set_name("care-pathway");
  spec.set_pattern(dim::v1::PATTERN_CHAINED);
  tensor::ToProto(tensor::Tensor::FromFloats({1}, {1.0f}),
                  spec.mutable_input());
  spec.mutable_chained()->add_steps()->set_model("triage");
  return spec;
}

// The message of validating base after `change`, or "ok".
std::string ErrorAfter(dim::v1::JobSpec spec,
                       const std::function<void(dim::v1::JobSpec*)>& change,
                       const JobLimits& limits = {}) {
  change(&spec);
  Status status = ValidateJobSpec(spec, limits);
  if (status.ok()) return "ok";
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  return status.message();
}

TEST(ValidateJobSpecTest, AcceptsWellFormedSpecs) {
  for (const dim::v1::JobSpec& spec :
       {Comparative(), Collaborative(), Chained()}) {
    Status status = ValidateJobSpec(spec, {});
    EXPECT_TRUE(status.ok()) << status.message();
  }
}

TEST(ValidateJobSpecTest, RejectsBadNameAndPriority) {
  EXPECT_EQ(ErrorAfter(Chained(), [](auto* s) { s->set_name(""); }),
            "name: expected 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' "
            "or '-', got ''");
  EXPECT_EQ(ErrorAfter(Chained(), [](auto* s) { s->set_priority(-1); }),
            "priority: expected an integer from 0 to 9, got -1");
}

TEST(ValidateJobSpecTest, RejectsTimeoutOutOfRange) {
  EXPECT_EQ(ErrorAfter(Chained(), [](auto* s) { s->set_timeout_ms(500); }),
            "timeout_ms: expected 0 (the server's default) or 1s to 24h, "
            "got 500ms");
  EXPECT_EQ(ErrorAfter(Chained(), [](auto* s) { s->set_timeout_ms(0); }),
            "ok");
}

TEST(ValidateJobSpecTest, PatternAndDetailMustAgree) {
  EXPECT_EQ(ErrorAfter(Chained(),
                       [](auto* s) {
                         s->set_pattern(dim::v1::PATTERN_UNSPECIFIED);
                       }),
            "pattern: expected collaborative, comparative or chained");
  EXPECT_EQ(ErrorAfter(Chained(),
                       [](auto* s) {
                         s->set_pattern(dim::v1::PATTERN_COMPARATIVE);
                       }),
            "comparative: required for pattern comparative");
}

TEST(ValidateJobSpecTest, InputFollowsThePattern) {
  EXPECT_EQ(ErrorAfter(Chained(), [](auto* s) { s->clear_input(); }),
            "input: required for pattern chained");
  EXPECT_EQ(ErrorAfter(Collaborative(),
                       [](auto* s) { s->mutable_input()->add_shape(1); }),
            "input: collaborative jobs run on the datasets the nodes hold "
            "and take no input");
  EXPECT_EQ(ErrorAfter(Chained(),
                       [](auto* s) { s->mutable_input()->add_shape(2); }),
            "input: tensor data is 4 bytes but shape [1, 2] of float32 needs "
            "8 bytes");
}

TEST(ValidateJobSpecTest, ChecksCollaborativeDetail) {
  EXPECT_EQ(ErrorAfter(Collaborative(),
                       [](auto* s) {
                         s->mutable_collaborative()->add_datasets("ward-a");
                       }),
            "collaborative.datasets: 'ward-a' is listed twice");
  EXPECT_EQ(ErrorAfter(Collaborative(),
                       [](auto* s) {
                         s->mutable_collaborative()->clear_aggregation();
                       }),
            "collaborative.aggregation: expected mean, weighted_mean or "
            "concat");
}

TEST(ValidateJobSpecTest, ChecksComparativeDetail) {
  EXPECT_EQ(ErrorAfter(Comparative(),
                       [](auto* s) {
                         s->mutable_comparative()
                             ->mutable_weights()
                             ->RemoveLast();
                       }),
            "comparative.weights: expected 3 weights, one per model, got 2");
  JobLimits two_models;
  two_models.max_models = 2;
  EXPECT_EQ(ErrorAfter(Comparative(), [](auto*) {}, two_models),
            "comparative.models: expected 2 to 2 models, got 3");
  EXPECT_EQ(ErrorAfter(Comparative(),
                       [](auto* s) {
                         s->mutable_comparative()->set_consensus(
                             dim::v1::CONSENSUS_MAJORITY_VOTE);
                       }),
            "comparative.weights: weights apply only to consensus "
            "weighted_vote");
}

TEST(ValidateJobSpecTest, ChecksChainedDetail) {
  EXPECT_EQ(ErrorAfter(Chained(),
                       [](auto* s) { s->mutable_chained()->clear_steps(); }),
            "chained.steps: expected 1 to 32 steps, got 0");
  EXPECT_EQ(ErrorAfter(Chained(),
                       [](auto* s) {
                         s->mutable_chained()->add_steps()->add_nodes("n");
                       }),
            "chained.steps[1].model: expected a model id, got ''");
  EXPECT_EQ(ErrorAfter(Chained(),
                       [](auto* s) {
                         auto* step = s->mutable_chained()->mutable_steps(0);
                         step->add_nodes("n");
                         step->add_nodes("n");
                       }),
            "chained.steps[0].nodes: 'n' is listed twice");
}

TEST(ValidateJobSpecTest, RejectsIdsLongerThanTheLimit) {
  JobLimits limits;
  limits.max_id_length = 16;
  std::string long_id(40, 'z');
  EXPECT_EQ(ErrorAfter(Chained(),
                       [&](auto* s) {
                         s->mutable_chained()->mutable_steps(0)->set_model(
                             long_id);
                       },
                       limits),
            "chained.steps[0].model: a model id is at most 16 bytes "
            "(limits.max_id_length), got 40 starting '" +
                std::string(32, 'z') + "'");
  EXPECT_EQ(ErrorAfter(Comparative(),
                       [&](auto* s) {
                         s->mutable_comparative()->set_models(1, long_id);
                       },
                       limits),
            "comparative.models: a model id is at most 16 bytes "
            "(limits.max_id_length), got 40 starting '" +
                std::string(32, 'z') + "'");
}

}  // namespace
}  // namespace dim::job
