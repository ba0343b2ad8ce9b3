#include "cmd/suggest.h"

#include "core/util/text.h"

namespace dim::cli {

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
