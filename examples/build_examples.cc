// Writes the example models and datasets that `dimctl serve` serves with no
// configuration and that the tests run against:
//
//   <out>/models/*.pt, models.toml     TorchScript modules with digests
//   <out>/datasets/                    ward-a, ward-b, ward-c
//   <out>/datasets-a/, datasets-b/     ward-a only, ward-b only
//
// Usage: build_examples OUT_DIR. Weights come from fixed seeds, so the
// files are the same on every run.
#include <torch/script.h>
#include <torch/serialize.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "core/runtime/sha256.h"
#include "core/tensor/npy.h"
#include "core/tensor/tensor.h"

namespace fs = std::filesystem;

namespace {

struct ExampleModel {
  std::string id;
  std::string file;
  std::vector<int64_t> input_shape;
  int64_t chunk_rows;
  std::string description;
  torch::jit::Module module;
};

// Registers `name`_w [in, out] and `name`_b [out], scaled so that
// activations keep a moderate size.
void AddLayer(torch::jit::Module& m, const std::string& name, int64_t in,
              int64_t out) {
  double scale = 1.0 / std::sqrt(static_cast<double>(in));
  m.register_parameter(name + "_w", torch::randn({in, out}) * scale, false);
  m.register_parameter(name + "_b", torch::randn({out}) * 0.1, false);
}

torch::jit::Module Define(const std::string& name, uint64_t seed,
                          const std::vector<std::vector<int64_t>>& layers,
                          const std::string& body) {
  torch::manual_seed(seed);
  torch::jit::Module m(name);
  for (size_t i = 0; i < layers.size(); ++i) {
    AddLayer(m, "l" + std::to_string(i + 1), layers[i][0], layers[i][1]);
  }
  m.define("def forward(self, x):\n" + body);
  return m;
}

// Heavy per row: each row becomes a 256 x 256 matrix that goes through
// several 256 x 256 matrix products, some milliseconds of work per row on
// one thread, so that cancelling a long run between chunks shows.
torch::jit::Module DefineSlow() {
  torch::manual_seed(90);
  torch::jit::Module m("slow");
  m.register_parameter("w_in", torch::randn({4, 256}) * 0.5, false);
  m.register_parameter("w_mix", torch::randn({256, 256}) / 16.0, false);
  m.register_parameter("w_out", torch::randn({256, 4}) / 16.0, false);
  m.define(R"(
def forward(self, x):
    h = torch.tanh(torch.matmul(x, self.w_in))
    m = torch.tanh(h.unsqueeze(2) * h.unsqueeze(1))
    for _ in range(6):
        m = torch.tanh(torch.matmul(m, self.w_mix))
    return torch.matmul(m.mean(1), self.w_out)
)");
  return m;
}

std::string Linear(const std::string& in, int layer) {
  std::string l = "self.l" + std::to_string(layer);
  return "torch.matmul(" + in + ", " + l + "_w) + " + l + "_b";
}

std::vector<ExampleModel> Models() {
  std::vector<ExampleModel> models;
  models.push_back({"tiny", "tiny.pt", {-1, 4}, 0,
                    "Linear 4 -> 2; the smallest model, for benchmarks",
                    Define("tiny", 1, {{4, 2}},
                           "    return " + Linear("x", 1) + "\n")});
  models.push_back(
      {"risk-score", "risk_score.pt", {-1, 8}, 0,
       "8 features -> risk score in (0, 1)",
       Define("risk_score", 2, {{8, 16}, {16, 1}},
              "    h = torch.relu(" + Linear("x", 1) + ")\n"
              "    return torch.sigmoid(" + Linear("h", 2) + ")\n")});
  models.push_back(
      {"diag-a", "diag_a.pt", {-1, 16}, 0,
       "16 findings -> probabilities of 4 diagnoses (linear)",
       Define("diag_a", 11, {{16, 4}},
              "    return torch.softmax(" + Linear("x", 1) + ", 1)\n")});
  models.push_back(
      {"diag-b", "diag_b.pt", {-1, 16}, 0,
       "16 findings -> probabilities of 4 diagnoses (relu hidden layer)",
       Define("diag_b", 12, {{16, 32}, {32, 4}},
              "    h = torch.relu(" + Linear("x", 1) + ")\n"
              "    return torch.softmax(" + Linear("h", 2) + ", 1)\n")});
  models.push_back(
      {"diag-c", "diag_c.pt", {-1, 16}, 0,
       "16 findings -> probabilities of 4 diagnoses (tanh hidden layer)",
       Define("diag_c", 13, {{16, 8}, {8, 4}},
              "    h = torch.tanh(" + Linear("x", 1) + ")\n"
              "    return torch.softmax(" + Linear("h", 2) + ", 1)\n")});
  models.push_back(
      {"triage", "triage.pt", {-1, 16}, 0,
       "chain step 1: 16 findings -> 8 features",
       Define("triage", 21, {{16, 8}},
              "    return torch.relu(" + Linear("x", 1) + ")\n")});
  models.push_back(
      {"diagnosis", "diagnosis.pt", {-1, 8}, 0,
       "chain step 2: 8 features -> 4 scores",
       Define("diagnosis", 22, {{8, 4}},
              "    return " + Linear("x", 1) + "\n")});
  models.push_back(
      {"treatment", "treatment.pt", {-1, 4}, 0,
       "chain step 3: 4 scores -> probabilities of 3 treatments",
       Define("treatment", 23, {{4, 3}},
              "    return torch.softmax(" + Linear("x", 1) + ", 1)\n")});
  models.push_back({"slow", "slow.pt", {-1, 4}, 8,
                    "milliseconds per row, run 8 rows at a time; for "
                    "testing cancellation",
                    DefineSlow()});
  return models;
}

[[noreturn]] void Die(const std::string& message) {
  std::cerr << "build_examples: error: " << message << "\n";
  std::exit(1);
}

void WriteFile(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) Die("cannot write " + path.string());
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    text += (i ? ", " : "") + std::to_string(shape[i]);
  }
  return text + "]";
}

void WriteModels(const fs::path& dir) {
  fs::create_directories(dir);
  std::string manifest =
      "# Written by build_examples; the digests are checked on load.\n";
  for (ExampleModel& model : Models()) {
    fs::path file = dir / model.file;
    model.module.save(file.string());
    dim::Result<std::string> digest = dim::runtime::Sha256OfFile(file);
    if (!digest.ok()) Die(digest.status().message());

    manifest += "\n[[model]]\nid = \"" + model.id + "\"\nfile = \"" +
                model.file + "\"\nsha256 = \"" + *digest +
                "\"\ninput_shape = " + ShapeText(model.input_shape) +
                "\ninput_dtype = \"float32\"\nchunk_rows = " +
                std::to_string(model.chunk_rows) + "\ndescription = \"" +
                model.description + "\"\n";
  }
  WriteFile(dir / "models.toml", manifest);
}

struct ExampleDataset {
  std::string name;
  std::string file;
  std::string bytes;
};

std::string NpyRows(uint64_t seed, int64_t rows, int64_t cols) {
  torch::manual_seed(seed);
  torch::Tensor t = torch::randn({rows, cols}).contiguous();
  std::vector<float> values(t.data_ptr<float>(),
                            t.data_ptr<float>() + t.numel());
  return dim::tensor::EncodeNpy(
      dim::tensor::Tensor::FromFloats({rows, cols}, values));
}

std::string PickledRows(uint64_t seed, int64_t rows, int64_t cols) {
  torch::manual_seed(seed);
  std::vector<char> bytes = torch::pickle_save(torch::randn({rows, cols}));
  return std::string(bytes.begin(), bytes.end());
}

void WriteDatasets(const fs::path& dir,
                   const std::vector<ExampleDataset>& datasets) {
  fs::create_directories(dir);
  std::string manifest = "# Written by build_examples.\n";
  for (const ExampleDataset& d : datasets) {
    WriteFile(dir / d.file, d.bytes);
    manifest += "\n[[dataset]]\nname = \"" + d.name + "\"\nfile = \"" +
                d.file + "\"\n";
  }
  WriteFile(dir / "datasets.toml", manifest);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: build_examples OUT_DIR\n";
    return 2;
  }
  fs::path out = argv[1];
  try {
    ExampleDataset ward_a{"ward-a", "ward_a.npy", NpyRows(101, 120, 8)};
    ExampleDataset ward_b{"ward-b", "ward_b.pt", PickledRows(102, 80, 8)};
    ExampleDataset ward_c{"ward-c", "ward_c.npy", NpyRows(103, 50, 8)};
    WriteDatasets(out / "datasets", {ward_a, ward_b, ward_c});
    WriteDatasets(out / "datasets-a", {ward_a});
    WriteDatasets(out / "datasets-b", {ward_b});
    // Last: the build rule watches models.toml.
    WriteModels(out / "models");
  } catch (const std::exception& e) {
    Die(e.what());
  }
  return 0;
}
