#include "core/tensor/limits.h"

#include <limits>
#include <string>

namespace dim::tensor {
namespace {

// The dim.toml keys that raise each limit, named in every refusal so that
// an operator knows what to change.
constexpr char kMaxBytesKey[] = "limits.max_tensor_bytes";
constexpr char kMaxRankKey[] = "limits.max_tensor_rank";
constexpr char kMaxElementsKey[] = "limits.max_tensor_elements";

Status OverLimit(const std::string& what, const std::string& value,
                 int64_t limit, const char* key) {
  return ResourceExhausted("tensor " + what + " " + value +
                           " is over the limit of " + std::to_string(limit) +
                           " (raise " + key + " to accept it)");
}

}  // namespace

Status CheckLimits(const Tensor& t, const Limits& limits) {
  int64_t rank = static_cast<int64_t>(t.shape.size());
  if (rank > limits.max_rank) {
    return OverLimit("rank", std::to_string(rank), limits.max_rank,
                     kMaxRankKey);
  }

  int64_t n = t.NumElements();
  if (n < 0 || n > limits.max_elements) {
    std::string count = n < 0 ? "beyond int64" : std::to_string(n);
    return OverLimit("element count", count + " (shape " + t.ShapeString() +
                     ")", limits.max_elements, kMaxElementsKey);
  }

  // Both the declared size and the bytes actually held are bounded, so a
  // tensor whose data disagrees with its shape cannot slip past.
  int64_t size = static_cast<int64_t>(ElementSize(t.dtype));
  int64_t declared = n > std::numeric_limits<int64_t>::max() / size
                         ? std::numeric_limits<int64_t>::max()
                         : n * size;
  int64_t held = static_cast<int64_t>(t.data.size());
  int64_t bytes = declared > held ? declared : held;
  if (bytes > limits.max_bytes) {
    return OverLimit("size", std::to_string(bytes) + " bytes",
                     limits.max_bytes, kMaxBytesKey);
  }
  return Status::Ok();
}

}  // namespace dim::tensor
