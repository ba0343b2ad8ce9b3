#include "core/runtime/describe.h"

#include "core/runtime/dataset_store.h"
#include "core/tensor/wire.h"

namespace dim::runtime {

dim::v1::ModelInfo ToModelInfo(const ModelSpec& spec, bool loaded) {
  dim::v1::ModelInfo info;
  info.set_id(spec.id);
  info.set_sha256(spec.sha256);
  info.set_loaded(loaded);
  for (int64_t d : spec.input_shape) info.add_input_shape(d);
  info.set_input_dtype(tensor::ToWireDType(spec.input_dtype));
  info.set_description(spec.description);
  return info;
}

Result<dim::v1::NodeStatus> DescribeFolders(const std::string& model_dir,
                                            const std::string& dataset_dir,
                                            const tensor::Limits& limits) {
  dim::v1::NodeStatus status;
  if (!model_dir.empty()) {
    auto models = ParseModelManifest(model_dir + "/models.toml");
    if (!models.ok()) return models.status();
    for (const ModelSpec& spec : *models) {
      *status.add_models() = ToModelInfo(spec, false);
    }
  }
  auto datasets = DatasetStore::Open(dataset_dir, "", limits);
  if (!datasets.ok()) return datasets.status();
  for (const Dataset& d : (*datasets)->datasets()) {
    dim::v1::DatasetInfo* info = status.add_datasets();
    info->set_name(d.name);
    info->set_samples(d.samples);
    for (int64_t dim : d.rows.shape) info->add_shape(dim);
    info->set_dtype(tensor::ToWireDType(d.rows.dtype));
  }
  return status;
}

}  // namespace dim::runtime
