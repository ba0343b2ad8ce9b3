// The TorchScript engine, built into the plugin libdim_torch.so. This is
// the only translation unit of the node that includes torch headers.
//
// The plugin links no static library of dimctl (their globals would exist
// twice in one process), so it uses only header code from core/ and does
// its own conversion between dim::tensor::Tensor and torch tensors.
#include <ATen/Parallel.h>
#include <torch/script.h>

#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/runtime/engine.h"

namespace dim::runtime {
namespace {

using tensor::DType;

struct DTypePair {
  DType ours;
  c10::ScalarType theirs;
  size_t size;
};

constexpr DTypePair kDTypes[] = {
    {DType::kFloat32, c10::ScalarType::Float, 4},
    {DType::kFloat64, c10::ScalarType::Double, 8},
    {DType::kInt32, c10::ScalarType::Int, 4},
    {DType::kInt64, c10::ScalarType::Long, 8},
    {DType::kUInt8, c10::ScalarType::Byte, 1},
    {DType::kBool, c10::ScalarType::Bool, 1},
};

const DTypePair* FindPair(DType ours) {
  for (const auto& pair : kDTypes) {
    if (pair.ours == ours) return &pair;
  }
  return nullptr;
}

const DTypePair* FindPair(c10::ScalarType theirs) {
  for (const auto& pair : kDTypes) {
    if (pair.theirs == theirs) return &pair;
  }
  return nullptr;
}

// Torch's messages run to many lines of context and backtrace. Errors
// raised inside the TorchScript interpreter end with the line that says
// what went wrong ("RuntimeError: mat1 and mat2 shapes cannot be
// multiplied (3x5 and 4x2)"); the others start with it.
std::string Essence(const std::string& text) {
  static const char kInterpreter[] = "The following operation failed in the "
                                     "TorchScript interpreter";
  if (text.rfind(kInterpreter, 0) != 0) return text.substr(0, text.find('\n'));

  size_t end = text.find_last_not_of("\n ");
  if (end == std::string::npos) return text;
  size_t start = text.rfind('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  return text.substr(start, end + 1 - start);
}

Result<torch::Tensor> ToTorch(const tensor::Tensor& t) {
  const DTypePair* pair = FindPair(t.dtype);
  int64_t elements = 1;
  for (int64_t d : t.shape) elements *= d;
  if (pair == nullptr ||
      t.data.size() != static_cast<size_t>(elements) * pair->size) {
    return InvalidArgument("input data does not match its shape and dtype");
  }
  auto options = torch::TensorOptions().dtype(pair->theirs);
  // from_blob borrows; the clone owns its bytes, so a model that writes to
  // its input cannot touch the caller's tensor.
  void* bytes = const_cast<char*>(t.data.data());
  return torch::from_blob(bytes, t.shape, options).clone();
}

Result<tensor::Tensor> FromTorch(const torch::Tensor& out) {
  const DTypePair* pair = FindPair(out.scalar_type());
  if (pair == nullptr) {
    return InvalidArgument(std::string("output dtype ") +
                           c10::toString(out.scalar_type()) +
                           " is not one dimctl can carry");
  }
  torch::Tensor dense = out.to(torch::kCPU).contiguous();
  tensor::Tensor result;
  result.dtype = pair->ours;
  result.shape = dense.sizes().vec();
  result.data.assign(static_cast<const char*>(dense.data_ptr()),
                     dense.numel() * pair->size);
  return result;
}

class TorchEngine final : public Engine {
 public:
  Status Load(const std::string& model_id, const std::string& path) override;
  void Unload(const std::string& model_id) override;
  bool IsLoaded(const std::string& model_id) const override;
  Result<tensor::Tensor> Forward(const std::string& model_id,
                                 const tensor::Tensor& input) override;

 private:
  using ModulePtr = std::shared_ptr<torch::jit::Module>;

  ModulePtr Find(const std::string& model_id) const;
  Result<tensor::Tensor> RunModule(const std::string& model_id,
                                   torch::jit::Module& module,
                                   const tensor::Tensor& input);

  // Guards the map only; modules run outside the lock, and a shared_ptr
  // keeps a module alive while a Forward that found it still runs.
  mutable std::shared_mutex mutex_;
  std::map<std::string, ModulePtr> modules_;
};

Status TorchEngine::Load(const std::string& model_id,
                         const std::string& path) {
  ModulePtr module;
  try {
    module = std::make_shared<torch::jit::Module>(
        torch::jit::load(path, torch::kCPU));
    module->eval();
  } catch (const c10::Error& e) {
    return InvalidArgument("model " + model_id + ": cannot load " + path +
                           ": " + Essence(e.what_without_backtrace()));
  } catch (const std::exception& e) {
    return InvalidArgument("model " + model_id + ": cannot load " + path +
                           ": " + Essence(e.what()));
  }

  std::unique_lock<std::shared_mutex> lock(mutex_);
  modules_[model_id] = std::move(module);
  return Status::Ok();
}

void TorchEngine::Unload(const std::string& model_id) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  modules_.erase(model_id);
}

bool TorchEngine::IsLoaded(const std::string& model_id) const {
  return Find(model_id) != nullptr;
}

TorchEngine::ModulePtr TorchEngine::Find(const std::string& model_id) const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  auto it = modules_.find(model_id);
  return it == modules_.end() ? nullptr : it->second;
}

Result<tensor::Tensor> TorchEngine::Forward(const std::string& model_id,
                                            const tensor::Tensor& input) {
  ModulePtr module = Find(model_id);
  if (!module) {
    return FailedPrecondition("model " + model_id + " is not loaded");
  }
  try {
    return RunModule(model_id, *module, input);
  } catch (const c10::Error& e) {
    return InvalidArgument("model " + model_id + ": " +
                           Essence(e.what_without_backtrace()));
  } catch (const std::runtime_error& e) {
    // What the interpreter throws when an operation rejects the input.
    return InvalidArgument("model " + model_id + ": " + Essence(e.what()));
  } catch (const std::exception& e) {
    return Internal("model " + model_id + ": " + Essence(e.what()));
  }
}

Result<tensor::Tensor> TorchEngine::RunModule(const std::string& model_id,
                                              torch::jit::Module& module,
                                              const tensor::Tensor& input) {
  Result<torch::Tensor> x = ToTorch(input);
  if (!x.ok()) return x.status().WithContext("model " + model_id);

  c10::InferenceMode inference;
  c10::IValue output = module.forward({*x});
  if (output.isTuple()) {
    return InvalidArgument("model " + model_id +
                           " returns a tuple; dimctl needs one tensor");
  }
  if (!output.isTensor()) {
    return InvalidArgument("model " + model_id + " returns " +
                           output.tagKind() + ", not a tensor");
  }

  Result<tensor::Tensor> result = FromTorch(output.toTensor());
  if (!result.ok()) return result.status().WithContext("model " + model_id);
  return result;
}

void ConfigureThreads(int torch_threads) {
  if (torch_threads > 0) at::set_num_threads(torch_threads);

  // Tasks already run in parallel on the node's workers, so one op never
  // needs a pool of its own to fan out to. Torch allows setting this once
  // per process, before the pool starts; a second engine keeps the value.
  static std::once_flag once;
  std::call_once(once, [] {
    try {
      at::set_num_interop_threads(1);
    } catch (const c10::Error&) {
      // The pool already started (the host process used torch first).
    }
  });
}

}  // namespace
}  // namespace dim::runtime

extern "C" __attribute__((visibility("default"))) dim::runtime::Engine*
dim_create_torch_engine(int torch_threads) {
  try {
    dim::runtime::ConfigureThreads(torch_threads);
    return new dim::runtime::TorchEngine();
  } catch (...) {
    return nullptr;
  }
}
