#include "core/metrics/registry.h"

#include <algorithm>
#include <set>

namespace dim::metrics {

struct CallbackHandle::Entry {
  explicit Entry(MetricInfo info_) : info(std::move(info_)) {}

  const MetricInfo info;
  GaugeCallback read;
  std::mutex mu;      // held while `read` runs
  bool alive = true;  // guarded by mu
};

namespace {

bool IsNameChar(char c, bool first, bool dots) {
  bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  if (first) return alpha;
  return alpha || (c >= '0' && c <= '9') || (dots && c == '.');
}

bool IsName(const std::string& s, bool dots) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!IsNameChar(s[i], i == 0, dots)) return false;
  }
  return true;
}

std::string LabelProblem(const MetricInfo& info, Kind kind) {
  std::set<std::string> seen;
  for (const auto& label : info.labels) {
    if (!IsName(label, false) || label.rfind("__", 0) == 0) {
      return "label '" + label + "' of metric " + info.name +
             " is not [a-zA-Z_][a-zA-Z0-9_]* or starts with __";
    }
    if (kind == Kind::kHistogram && label == "le") {
      return "histogram " + info.name + " may not use the label 'le'";
    }
    if (!seen.insert(label).second) {
      return "metric " + info.name + " names label '" + label + "' twice";
    }
  }
  return "";
}

bool SameShape(const MetricInfo& a, const MetricInfo& b) {
  return a.unit == b.unit && a.labels == b.labels;
}

FamilySnapshot ReadCallback(CallbackHandle::Entry* entry) {
  FamilySnapshot out;
  out.name = entry->info.name;
  out.help = entry->info.help;
  out.kind = Kind::kGauge;
  out.unit = entry->info.unit;
  std::lock_guard<std::mutex> lock(entry->mu);
  if (!entry->alive) return out;
  const auto& names = entry->info.labels;
  for (const GaugeReading& r : entry->read()) {
    if (r.labels.size() != names.size()) continue;
    Sample sample;
    for (size_t i = 0; i < names.size(); ++i) {
      sample.labels.push_back(Label{names[i], r.labels[i]});
    }
    sample.value = r.value;
    out.samples.push_back(std::move(sample));
  }
  return out;
}

}  // namespace

FamilySnapshot FamilyBase::Collect() const {
  FamilySnapshot out;
  out.name = info_.name;
  out.help = info_.help;
  out.kind = kind_;
  out.unit = info_.unit;
  CollectSamples(&out.samples);
  return out;
}

std::vector<Label> FamilyBase::Labeled(const LabelValues& values) const {
  std::vector<Label> labels;
  for (size_t i = 0; i < values.size() && i < info_.labels.size(); ++i) {
    labels.push_back(Label{info_.labels[i], values[i]});
  }
  return labels;
}

void ReadInto(const Counter& counter, Sample* sample) {
  sample->value = counter.Value();
}

void ReadInto(const Gauge& gauge, Sample* sample) {
  sample->value = gauge.Value();
}

void ReadInto(const Histogram& histogram, Sample* sample) {
  sample->histogram = histogram.Read();
}

CallbackHandle::CallbackHandle(Registry* registry,
                               std::shared_ptr<Entry> entry)
    : registry_(registry), entry_(std::move(entry)) {}

CallbackHandle::CallbackHandle(CallbackHandle&& other) noexcept
    : registry_(other.registry_), entry_(std::move(other.entry_)) {
  other.registry_ = nullptr;
}

CallbackHandle& CallbackHandle::operator=(CallbackHandle&& other) noexcept {
  if (this != &other) {
    Reset();
    registry_ = other.registry_;
    entry_ = std::move(other.entry_);
    other.registry_ = nullptr;
  }
  return *this;
}

void CallbackHandle::Reset() {
  if (!entry_) return;
  {
    // Waits for a collection that is inside the callback.
    std::lock_guard<std::mutex> lock(entry_->mu);
    entry_->alive = false;
  }
  registry_->RemoveCallback(entry_);
  entry_.reset();
  registry_ = nullptr;
}

Registry::Registry() = default;
Registry::~Registry() = default;

std::string Registry::RefusalLocked(const MetricInfo& info,
                                    Kind kind) const {
  if (!IsName(info.name, true)) {
    return "metric name '" + info.name + "' is not [a-zA-Z_][a-zA-Z0-9_.]*";
  }
  std::string label_problem = LabelProblem(info, kind);
  if (!label_problem.empty()) return label_problem;
  if (callbacks_.count(info.name)) {
    return "metric " + info.name + " is already a callback gauge";
  }
  auto it = families_.find(info.name);
  if (it == families_.end()) return "";
  const FamilyBase& had = *it->second;
  if (had.kind() != kind || !SameShape(had.info(), info)) {
    return "metric " + info.name + " is already a " + KindName(had.kind()) +
           " with another unit or other labels; refused as a " +
           KindName(kind);
  }
  return "";
}

template <typename T>
Family<T>& Registry::GetFamily(const MetricInfo& info, Kind kind) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string refused = RefusalLocked(info, kind);
  if (refused.empty()) {
    auto& slot = families_[info.name];
    if (!slot) slot = std::make_unique<Family<T>>(info, kind);
    return static_cast<Family<T>&>(*slot);
  }
  // One stand-in per refused name and kind, so that a refused declaration
  // repeated on a hot path does not grow the registry.
  std::string key = info.name + "/" + KindName(kind);
  auto it = std::find_if(detached_.begin(), detached_.end(),
                         [&](const std::unique_ptr<FamilyBase>& f) {
                           return f->info().name + "/" +
                                      KindName(f->kind()) == key;
                         });
  if (it != detached_.end()) return static_cast<Family<T>&>(**it);
  problems_.push_back(refused);
  detached_.push_back(std::make_unique<Family<T>>(info, kind));
  return static_cast<Family<T>&>(*detached_.back());
}

Family<Counter>& Registry::CounterFamily(const MetricInfo& info) {
  return GetFamily<Counter>(info, Kind::kCounter);
}

Family<Gauge>& Registry::GaugeFamily(const MetricInfo& info) {
  return GetFamily<Gauge>(info, Kind::kGauge);
}

Family<Histogram>& Registry::HistogramFamily(const MetricInfo& info) {
  return GetFamily<Histogram>(info, Kind::kHistogram);
}

Counter& Registry::GetCounter(const MetricInfo& info) {
  return CounterFamily(info).WithLabels({});
}

Gauge& Registry::GetGauge(const MetricInfo& info) {
  return GaugeFamily(info).WithLabels({});
}

Histogram& Registry::GetHistogram(const MetricInfo& info) {
  return HistogramFamily(info).WithLabels({});
}

CallbackHandle Registry::AddCallbackGauge(const MetricInfo& info,
                                          GaugeCallback read) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string refused = RefusalLocked(info, Kind::kGauge);
  if (refused.empty() && families_.count(info.name)) {
    refused = "metric " + info.name + " is already declared; refused as a "
              "callback gauge";
  }
  if (!refused.empty()) {
    problems_.push_back(refused);
    return CallbackHandle();
  }
  auto entry = std::make_shared<CallbackHandle::Entry>(info);
  entry->read = std::move(read);
  callbacks_[info.name] = entry;
  return CallbackHandle(this, entry);
}

void Registry::RemoveCallback(
    const std::shared_ptr<CallbackHandle::Entry>& entry) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = callbacks_.find(entry->info.name);
  if (it != callbacks_.end() && it->second == entry) callbacks_.erase(it);
}

Snapshot Registry::Collect() const {
  Snapshot out;
  std::vector<std::shared_ptr<CallbackHandle::Entry>> callbacks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [name, family] : families_) {
      FamilySnapshot f = family->Collect();
      if (!f.samples.empty()) out.families.push_back(std::move(f));
    }
    for (const auto& [name, entry] : callbacks_) callbacks.push_back(entry);
  }
  // Outside mu_: a callback may take its owner's locks, and its owner may
  // be recording metrics while holding them.
  for (const auto& entry : callbacks) {
    FamilySnapshot f = ReadCallback(entry.get());
    if (!f.samples.empty()) out.families.push_back(std::move(f));
  }
  std::sort(out.families.begin(), out.families.end(),
            [](const FamilySnapshot& a, const FamilySnapshot& b) {
              return a.name < b.name;
            });
  return out;
}

std::vector<std::string> Registry::Problems() const {
  std::lock_guard<std::mutex> lock(mu_);
  return problems_;
}

Registry& Default() {
  static Registry* registry = new Registry();
  return *registry;
}

}  // namespace dim::metrics
