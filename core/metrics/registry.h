// Where metrics are declared and collected. A metric is a family: a name,
// a help text, a unit, label names, and one child instrument per set of
// label values (an unlabelled metric is a family with one child). Names
// are dotted, as the system speaks of them (dim.jobs.duration); the
// Prometheus renderer turns them into dim_jobs_duration_seconds.
//
// Everything here is thread-safe. Declaring the same metric twice returns
// the same family, so code may declare what it records where it records
// it. Families and children are never removed (callback gauges excepted),
// so references to them stay valid for the registry's lifetime.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/metrics/instruments.h"
#include "core/metrics/snapshot.h"

namespace dim::metrics {

// Label values that peers or users choose (node ids, method names) could
// grow a family without end; past this many label sets, new ones are
// counted together in one overflow child.
inline constexpr size_t kDefaultMaxLabelSets = 256;
// The value of every label of the overflow child.
inline constexpr const char* kOverflowLabelValue = "_overflow";

// Written {name, help}, {name, help, unit} or {name, help, unit, labels}.
struct MetricInfo {
  MetricInfo(std::string name_, std::string help_, std::string unit_ = "",
             std::vector<std::string> labels_ = {},
             size_t max_label_sets_ = kDefaultMaxLabelSets)
      : name(std::move(name_)), help(std::move(help_)),
        unit(std::move(unit_)), labels(std::move(labels_)),
        max_label_sets(max_label_sets_) {}

  std::string name;  // [a-zA-Z_][a-zA-Z0-9_.]*
  std::string help;
  std::string unit;  // "seconds", "bytes" or empty
  std::vector<std::string> labels;  // [a-zA-Z_][a-zA-Z0-9_]*, no "__x"
  size_t max_label_sets;
};

using LabelValues = std::vector<std::string>;

class FamilyBase {
 public:
  FamilyBase(MetricInfo info, Kind kind)
      : info_(std::move(info)), kind_(kind) {}
  virtual ~FamilyBase() = default;

  const MetricInfo& info() const { return info_; }
  Kind kind() const { return kind_; }
  // The current value of every child, ordered by label values.
  FamilySnapshot Collect() const;

 protected:
  virtual void CollectSamples(std::vector<Sample>* out) const = 0;
  std::vector<Label> Labeled(const LabelValues& values) const;

 private:
  const MetricInfo info_;
  const Kind kind_;
};

template <typename T>
class Family final : public FamilyBase {
 public:
  Family(MetricInfo info, Kind kind) : FamilyBase(std::move(info), kind) {}

  // The child for these values, in the order of info().labels, made on
  // first use. Once info().max_label_sets children exist, a new set gets
  // the overflow child; so does a call with the wrong number of values.
  T& WithLabels(const LabelValues& values);

 private:
  void CollectSamples(std::vector<Sample>* out) const override;

  mutable std::mutex mu_;
  std::map<LabelValues, std::unique_ptr<T>> children_;  // guarded by mu_
  std::unique_ptr<T> overflow_;                          // guarded by mu_
};

// One reading of a callback gauge: label values in the order of the
// MetricInfo's labels.
struct GaugeReading {
  LabelValues labels;
  double value = 0;
};
using GaugeCallback = std::function<std::vector<GaugeReading>()>;

class Registry;

// Keeps a callback gauge registered; destroying it (or Reset) removes the
// gauge and waits for a collection that is calling it to finish, so the
// callback may use objects that die right after the handle. Must not
// outlive its registry.
class CallbackHandle {
 public:
  struct Entry;
  CallbackHandle() = default;
  CallbackHandle(Registry* registry, std::shared_ptr<Entry> entry);
  ~CallbackHandle() { Reset(); }
  CallbackHandle(CallbackHandle&& other) noexcept;
  CallbackHandle& operator=(CallbackHandle&& other) noexcept;

  void Reset();
  // Whether the gauge was registered (not refused as a conflict).
  bool active() const { return entry_ != nullptr; }

 private:
  Registry* registry_ = nullptr;
  std::shared_ptr<Entry> entry_;
};

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // A name declared again with the same kind, unit and labels gives the
  // family already there. A bad name or label, or a name already taken by
  // another kind, unit or label set, gives a working family that is never
  // collected, and the mistake is listed by Problems(): instrumentation
  // must not be able to break the code it measures.
  Family<Counter>& CounterFamily(const MetricInfo& info);
  Family<Gauge>& GaugeFamily(const MetricInfo& info);
  Family<Histogram>& HistogramFamily(const MetricInfo& info);

  // Unlabelled metrics: info.labels must be empty.
  Counter& GetCounter(const MetricInfo& info);
  Gauge& GetGauge(const MetricInfo& info);
  Histogram& GetHistogram(const MetricInfo& info);

  // A gauge read by calling `read` at each collection, outside the
  // registry's lock; `read` must be thread-safe and quick. Refused (an
  // inactive handle, and a Problems() entry) when the name is taken.
  [[nodiscard]] CallbackHandle AddCallbackGauge(const MetricInfo& info,
                                                GaugeCallback read);

  // Every family, sorted by name; families with no children are left out.
  Snapshot Collect() const;

  // Declarations that were refused, one sentence each, naming the metric.
  std::vector<std::string> Problems() const;

 private:
  friend class CallbackHandle;
  template <typename T>
  Family<T>& GetFamily(const MetricInfo& info, Kind kind);
  // Why `info` cannot be declared as `kind`; empty when it can. Requires
  // mu_ held.
  std::string RefusalLocked(const MetricInfo& info, Kind kind) const;
  void RemoveCallback(const std::shared_ptr<CallbackHandle::Entry>& entry);

  mutable std::mutex mu_;
  // All guarded by mu_.
  std::map<std::string, std::unique_ptr<FamilyBase>> families_;
  std::vector<std::unique_ptr<FamilyBase>> detached_;
  std::map<std::string, std::shared_ptr<CallbackHandle::Entry>> callbacks_;
  std::vector<std::string> problems_;
};

// The process-wide registry that the system's own metrics go to. Never
// destroyed, so that threads still recording at exit find it alive.
Registry& Default();

template <typename T>
T& Family<T>::WithLabels(const LabelValues& values) {
  std::lock_guard<std::mutex> lock(mu_);
  // An unlabelled family has one child, whatever the call says, so that
  // it never shows two series with the same (empty) label set.
  if (info().labels.empty()) {
    auto& only = children_[LabelValues()];
    if (!only) only = std::make_unique<T>();
    return *only;
  }
  if (values.size() == info().labels.size()) {
    auto it = children_.find(values);
    if (it != children_.end()) return *it->second;
    if (children_.size() < info().max_label_sets) {
      auto& child = children_[values];
      child = std::make_unique<T>();
      return *child;
    }
  }
  if (!overflow_) overflow_ = std::make_unique<T>();
  return *overflow_;
}

void ReadInto(const Counter& counter, Sample* sample);
void ReadInto(const Gauge& gauge, Sample* sample);
void ReadInto(const Histogram& histogram, Sample* sample);

template <typename T>
void Family<T>::CollectSamples(std::vector<Sample>* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [values, child] : children_) {
    Sample sample;
    sample.labels = Labeled(values);
    ReadInto(*child, &sample);
    out->push_back(std::move(sample));
  }
  if (overflow_) {
    Sample sample;
    sample.labels = Labeled(
        LabelValues(info().labels.size(), kOverflowLabelValue));
    ReadInto(*overflow_, &sample);
    out->push_back(std::move(sample));
  }
}

}  // namespace dim::metrics
