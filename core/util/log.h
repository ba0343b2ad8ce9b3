// Operator logs: one line per event with time, level and component, written
// to stderr. Never log secrets (tokens, keys); log peer addresses, ids and
// what went wrong. Thread-safe.
#pragma once

#include <cstddef>
#include <mutex>
#include <set>
#include <sstream>
#include <string>

namespace dim::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

void SetLevel(Level level);
Level GetLevel();
// Parses "debug", "info", "warn", "error" or "off".
bool ParseLevel(const std::string& text, Level* out);

void Write(Level level, const char* component, const std::string& message);

// Collects one message and writes it when destroyed.
class Line {
 public:
  Line(Level level, const char* component)
      : level_(level), component_(component) {}
  ~Line() { Write(level_, component_, stream_.str()); }
  template <typename T>
  Line& operator<<(const T& value) {
    stream_ << value;
    return *this;
  }

 private:
  Level level_;
  const char* component_;
  std::ostringstream stream_;
};

// For events that would flood the log when repeated (every refused beat
// of a misconfigured node): First(key) is true once per key, so the
// caller logs the first and only counts the rest. Holds at most `limit`
// keys; past them, new keys are not logged either, so that a sender
// inventing keys cannot grow it. Thread-safe.
class OncePerKey {
 public:
  explicit OncePerKey(size_t limit = 1024) : limit_(limit) {}
  bool First(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex_);
    return seen_.size() < limit_ && seen_.insert(key).second;
  }

 private:
  const size_t limit_;
  std::mutex mutex_;
  std::set<std::string> seen_;  // guarded by mutex_
};

}  // namespace dim::log

// DIM_LOG(Info, "node") << "loaded model " << id;
// The loop runs the statement once when the level is enabled, and is safe
// inside an unbraced if/else.
#define DIM_LOG(level, component)                                        \
  for (bool dim_log_on_ =                                                \
           ::dim::log::Level::k##level >= ::dim::log::GetLevel();        \
       dim_log_on_; dim_log_on_ = false)                                 \
  ::dim::log::Line(::dim::log::Level::k##level, component)
