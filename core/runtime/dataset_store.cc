#include "core/runtime/dataset_store.h"

#include <set>
#include <utility>

#include "core/runtime/manifest.h"
#include "core/tensor/load.h"

namespace dim::runtime {

namespace {

Result<Dataset> ReadDataset(const ManifestFile& file,
                            const config::TomlValue& table,
                            const tensor::Limits& limits) {
  ManifestEntry entry(file, table, "dataset");
  Dataset dataset;
  Result<std::string> name = entry.String("name", Presence::kRequired);
  if (!name.ok()) return name.status();
  dataset.name = *name;
  entry.SetName(dataset.name);
  DIM_RETURN_IF_ERROR(entry.CheckKeys({"name", "file"}));

  Result<std::string> relative = entry.String("file", Presence::kRequired);
  if (!relative.ok()) return relative.status();
  dataset.path = relative->front() == '/' ? *relative
                                          : file.Dir() + "/" + *relative;

  Result<tensor::Tensor> rows = tensor::LoadTensorFile(dataset.path, limits);
  if (!rows.ok()) {
    return rows.status().WithContext("dataset '" + dataset.name + "'");
  }
  dataset.rows = std::move(*rows);
  dataset.samples = dataset.rows.shape.empty() ? 1 : dataset.rows.shape[0];
  return dataset;
}

}  // namespace

Result<std::unique_ptr<DatasetStore>> DatasetStore::Open(
    const std::string& dataset_dir, const std::string& node_id,
    const tensor::Limits& limits) {
  std::vector<Dataset> datasets;
  if (dataset_dir.empty()) {
    return std::unique_ptr<DatasetStore>(new DatasetStore(node_id, {}));
  }

  Result<ManifestFile> file =
      ManifestFile::Parse(dataset_dir + "/datasets.toml");
  if (!file.ok()) return file.status();
  auto tables = file->Section("dataset");
  if (!tables.ok()) return tables.status();

  std::set<std::string> names;
  for (const config::TomlValue* table : *tables) {
    Result<Dataset> dataset = ReadDataset(*file, *table, limits);
    if (!dataset.ok()) return dataset.status();
    if (!names.insert(dataset->name).second) {
      return file->ErrorAt(ManifestFile::PositionOf(*table, "name"),
                           "dataset '" + dataset->name + "' appears twice");
    }
    datasets.push_back(std::move(*dataset));
  }
  return std::unique_ptr<DatasetStore>(
      new DatasetStore(node_id, std::move(datasets)));
}

Result<const Dataset*> DatasetStore::Find(const std::string& name) const {
  std::string held;
  for (const Dataset& d : datasets_) {
    if (d.name == name) return &d;
    held += (held.empty() ? "" : ", ") + d.name;
  }
  return NotFound("node " + node_id_ + " holds no dataset '" + name +
                  "' (holds: " + (held.empty() ? "none" : held) + ")");
}

}  // namespace dim::runtime
