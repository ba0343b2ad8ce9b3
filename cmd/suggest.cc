#include "cmd/suggest.h"

#include <algorithm>

namespace dim::cli {
namespace {

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      size_t swap = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + swap});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string Suggest(const std::string& word,
                    const std::vector<Command>& commands) {
  std::string best;
  size_t best_distance = 3;  // more edits than this is not a typo
  for (const auto& cmd : commands) {
    std::string name = cmd.name;
    size_t d = EditDistance(word, name);
    if (name.rfind(word, 0) == 0) d = 1;  // a prefix: "sub" -> "submit"
    if (d < best_distance) {
      best = name;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace dim::cli
