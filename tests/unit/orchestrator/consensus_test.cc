#include "core/orchestrator/consensus.h"

#include <gtest/gtest.h>

#include <cmath>

namespace dim::orchestrator {
namespace {

using dim::v1::CONSENSUS_MAJORITY_VOTE;
using dim::v1::CONSENSUS_MEAN_PROBABILITY;
using dim::v1::CONSENSUS_WEIGHTED_VOTE;
using tensor::DType;
using tensor::Tensor;

// Two rows of three classes per model. Votes (argmax):
//   row 0: m1 -> 0, m2 -> 0, m3 -> 1      row 1: all three -> 2
const std::vector<std::string> kModels = {"m1", "m2", "m3"};
std::vector<Tensor> TwoRowScores() {
  return {Tensor::FromFloats({2, 3}, {0.7f, 0.2f, 0.1f, 0.1f, 0.3f, 0.6f}),
          Tensor::FromFloats({2, 3}, {0.6f, 0.3f, 0.1f, 0.2f, 0.2f, 0.6f}),
          Tensor::FromFloats({2, 3}, {0.1f, 0.8f, 0.1f, 0.1f, 0.2f, 0.7f})};
}

TEST(ConsensusTest, MajorityVotePicksMostVotedClassPerRow) {
  auto r = Reconcile(CONSENSUS_MAJORITY_VOTE, kModels, TwoRowScores(), {});
  ASSERT_TRUE(r.ok()) << r.status().message();

  EXPECT_EQ(r->classes, (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(r->output.dtype, DType::kInt64);
  EXPECT_EQ(r->output.shape, (std::vector<int64_t>{2}));
  EXPECT_EQ(r->output.ToDoubles(), (std::vector<double>{0, 2}));
  // Row 0: 2 of 3 voted 0; row 1 unanimous. Mean (2/3 + 1) / 2 = 5/6.
  ASSERT_EQ(r->agreement.size(), 2u);
  EXPECT_DOUBLE_EQ(r->agreement[0], 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(r->agreement[1], 1.0);
  EXPECT_DOUBLE_EQ(r->mean_agreement, 5.0 / 6.0);
  EXPECT_EQ(r->disagreements, (std::vector<int64_t>{0}));
}

TEST(ConsensusTest, MajorityTieGoesToTiedClassWithHighestMeanScore) {
  // m1 votes 0, m2 votes 2: one vote each. Mean scores: class 0
  // (0.6 + 0) / 2 = 0.3, class 1 0.425, class 2 (0 + 0.55) / 2 = 0.275.
  // Class 1 scores highest but has no vote; of the tied, 0 wins.
  auto r = Reconcile(CONSENSUS_MAJORITY_VOTE, {"m1", "m2"},
                     {Tensor::FromFloats({1, 3}, {0.6f, 0.4f, 0.0f}),
                      Tensor::FromFloats({1, 3}, {0.0f, 0.45f, 0.55f})},
                     {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->classes, (std::vector<int64_t>{0}));
  EXPECT_DOUBLE_EQ(r->agreement[0], 0.5);

  // Mirror: m1 votes 0 with mean 0.25, m2 votes 2 with mean 0.6 -> 2.
  r = Reconcile(CONSENSUS_MAJORITY_VOTE, {"m1", "m2"},
                {Tensor::FromFloats({1, 3}, {0.5f, 0.1f, 0.4f}),
                 Tensor::FromFloats({1, 3}, {0.0f, 0.2f, 0.8f})},
                {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->classes, (std::vector<int64_t>{2}));
}

TEST(ConsensusTest, MajorityTieWithEqualMeansGoesToLowestIndex) {
  // Votes 0 and 1, means (0.75 + 0.25) / 2 = 0.5 for both.
  auto r = Reconcile(CONSENSUS_MAJORITY_VOTE, {"m1", "m2"},
                     {Tensor::FromFloats({2}, {0.75f, 0.25f}),
                      Tensor::FromFloats({2}, {0.25f, 0.75f})},
                     {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->classes, (std::vector<int64_t>{0}));
}

TEST(ConsensusTest, OneDimensionalOutputIsOneRow) {
  auto r = Reconcile(CONSENSUS_MAJORITY_VOTE, {"m1", "m2"},
                     {Tensor::FromFloats({3}, {0.1f, 0.1f, 0.8f}),
                      Tensor::FromDoubles({3}, {0.2, 0.1, 0.7})},
                     {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->output.shape, (std::vector<int64_t>{1}));
  EXPECT_EQ(r->classes, (std::vector<int64_t>{2}));
  EXPECT_TRUE(r->disagreements.empty());
  EXPECT_DOUBLE_EQ(r->mean_agreement, 1.0);
}

TEST(ConsensusTest, WeightedVoteLetsHeavyModelOutvoteTwoLightOnes) {
  // Row 0: m1 (0.7) votes 0; m2, m3 (0.2 each) vote 1: 0.7 vs 0.4, so 0
  // wins with 0.7 / 1.1 = 7/11 of the weight, where a plain majority
  // would pick 1.
  auto r = Reconcile(CONSENSUS_WEIGHTED_VOTE, kModels,
                     {Tensor::FromFloats({1, 2}, {0.9f, 0.1f}),
                      Tensor::FromFloats({1, 2}, {0.4f, 0.6f}),
                      Tensor::FromFloats({1, 2}, {0.3f, 0.7f})},
                     {0.7, 0.2, 0.2});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->classes, (std::vector<int64_t>{0}));
  EXPECT_NEAR(r->agreement[0], 7.0 / 11.0, 1e-12);
  EXPECT_EQ(r->disagreements, (std::vector<int64_t>{0}));

  auto majority = Reconcile(CONSENSUS_MAJORITY_VOTE, kModels,
                            {Tensor::FromFloats({1, 2}, {0.9f, 0.1f}),
                             Tensor::FromFloats({1, 2}, {0.4f, 0.6f}),
                             Tensor::FromFloats({1, 2}, {0.3f, 0.7f})},
                            {});
  ASSERT_TRUE(majority.ok());
  EXPECT_EQ(majority->classes, (std::vector<int64_t>{1}));
}

TEST(ConsensusTest, WeightedVoteTreatsRoundingDifferenceAsTie) {
  // Class 0 gets 0.1 + 0.2 = 0.30000000000000004, class 1 gets 0.3: a tie
  // in fact. Means: class 0 (0.6 + 0.6 + 0) / 3 = 0.4, class 1 0.6, so 1.
  auto r = Reconcile(CONSENSUS_WEIGHTED_VOTE, kModels,
                     {Tensor::FromFloats({2}, {0.6f, 0.4f}),
                      Tensor::FromFloats({2}, {0.6f, 0.4f}),
                      Tensor::FromFloats({2}, {0.0f, 1.0f})},
                     {0.1, 0.2, 0.3});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->classes, (std::vector<int64_t>{1}));
  EXPECT_NEAR(r->agreement[0], 0.5, 1e-12);
}

TEST(ConsensusTest, WeightedVoteNeedsOneWeightPerModel) {
  auto r = Reconcile(CONSENSUS_WEIGHTED_VOTE, kModels, TwoRowScores(),
                     {1.0, 2.0});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("3 models, 2 weights"),
            std::string::npos)
      << r.status().message();
}

TEST(ConsensusTest, WeightedVoteRejectsNonPositiveWeightNamingTheModel) {
  for (double bad : {0.0, -1.0, std::nan("")}) {
    auto r = Reconcile(CONSENSUS_WEIGHTED_VOTE, kModels, TwoRowScores(),
                       {1.0, bad, 1.0});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().message().rfind("model m2 has weight", 0), 0u)
        << r.status().message();
  }
}

TEST(ConsensusTest, MeanProbabilityAveragesScores) {
  // Row 0: mean of [0.5, 0.3, 0.2], [0.1, 0.6, 0.3], [0.4, 0.2, 0.4] is
  // [1.0, 1.1, 0.9] / 3, so class 1. Own votes are 0, 1, 0 (m3's tie goes
  // to the lower index): agreement 1/3. Majority would say 0.
  // Row 1: mean [0.1, 0.1, 0.8] -> 2, everyone agrees.
  auto r = Reconcile(
      CONSENSUS_MEAN_PROBABILITY, kModels,
      {Tensor::FromDoubles({2, 3}, {0.5, 0.3, 0.2, 0.0, 0.0, 1.0}),
       Tensor::FromDoubles({2, 3}, {0.1, 0.6, 0.3, 0.1, 0.1, 0.8}),
       Tensor::FromDoubles({2, 3}, {0.4, 0.2, 0.4, 0.2, 0.2, 0.6})},
      {});
  ASSERT_TRUE(r.ok()) << r.status().message();

  EXPECT_EQ(r->output.dtype, DType::kFloat32);
  EXPECT_EQ(r->output.shape, (std::vector<int64_t>{2, 3}));
  const std::vector<double> mean = r->output.ToDoubles();
  const std::vector<double> expected = {1.0 / 3, 1.1 / 3, 0.9 / 3,
                                        0.1,     0.1,     0.8};
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(mean[i], expected[i], 1e-6) << "element " << i;
  }
  EXPECT_EQ(r->classes, (std::vector<int64_t>{1, 2}));
  EXPECT_DOUBLE_EQ(r->agreement[0], 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(r->agreement[1], 1.0);
  EXPECT_DOUBLE_EQ(r->mean_agreement, 2.0 / 3.0);
  EXPECT_EQ(r->disagreements, (std::vector<int64_t>{0}));
}

TEST(ConsensusTest, RejectsShapeMismatchNamingTheModel) {
  auto r = Reconcile(CONSENSUS_MEAN_PROBABILITY, {"vgg", "resnet"},
                     {Tensor::FromFloats({2, 3}, std::vector<float>(6, 0.f)),
                      Tensor::FromFloats({2, 4}, std::vector<float>(8, 0.f))},
                     {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "model resnet returned [2, 4], expected [2, 3] like model vgg");
}

TEST(ConsensusTest, RejectsOutputsThatAreNotClassScores) {
  auto rank3 = Reconcile(CONSENSUS_MAJORITY_VOTE, {"m1"},
                         {Tensor::FromFloats({1, 1, 2}, {0.f, 1.f})}, {});
  ASSERT_FALSE(rank3.ok());
  EXPECT_EQ(rank3.status().message().rfind("model m1 returned [1, 1, 2]", 0),
            0u);

  auto no_classes =
      Reconcile(CONSENSUS_MAJORITY_VOTE, {"m1"},
                {Tensor::FromFloats({2, 0}, {})}, {});
  ASSERT_FALSE(no_classes.ok());
  EXPECT_NE(no_classes.status().message().find("no classes"),
            std::string::npos);
}

TEST(ConsensusTest, RejectsMismatchedCountsAndEmptyInput) {
  auto counts = Reconcile(CONSENSUS_MAJORITY_VOTE, kModels,
                          {Tensor::FromFloats({2}, {0.f, 1.f})}, {});
  ASSERT_FALSE(counts.ok());
  EXPECT_EQ(counts.status().message(), "3 models but 1 outputs");

  auto empty = Reconcile(CONSENSUS_MAJORITY_VOTE, {}, {}, {});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), Code::kInvalidArgument);
}

TEST(ConsensusTest, RejectsUnspecifiedRule) {
  auto r = Reconcile(dim::v1::CONSENSUS_UNSPECIFIED, kModels, TwoRowScores(),
                     {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("CONSENSUS_UNSPECIFIED"),
            std::string::npos);
}

TEST(ConsensusTest, NoRowsMeansNothingToDisagreeOn) {
  auto r = Reconcile(CONSENSUS_MAJORITY_VOTE, {"m1", "m2"},
                     {Tensor::FromFloats({0, 3}, {}),
                      Tensor::FromFloats({0, 3}, {})},
                     {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->classes.empty());
  EXPECT_EQ(r->output.shape, (std::vector<int64_t>{0}));
  EXPECT_DOUBLE_EQ(r->mean_agreement, 1.0);
}

}  // namespace
}  // namespace dim::orchestrator
