#include "core/runtime/model_store.h"

#include <cctype>
#include <set>

#include "core/runtime/manifest.h"
#include "core/tensor/signature.h"
#include "core/runtime/sha256.h"
#include "core/util/log.h"
#include "core/util/text.h"

namespace dim::runtime {

namespace {

const std::vector<std::string> kModelKeys = {
    "id",          "file",       "sha256",     "input_shape",
    "input_dtype", "chunk_rows", "description"};

bool IsHexDigest(const std::string& text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

Status ReadShape(const ManifestEntry& entry, ModelSpec* model) {
  Result<std::vector<int64_t>> shape = entry.IntegerArray("input_shape");
  if (!shape.ok()) return shape.status();
  for (int64_t d : *shape) {
    if (d == 0 || d < -1) {
      return entry.ErrorAt("input_shape",
                           "dimensions must be positive or -1 (any size)");
    }
  }
  model->input_shape = *shape;
  return Status::Ok();
}

Status ReadDigestAndTypes(const ManifestEntry& entry, ModelSpec* model) {
  Result<std::string> digest = entry.String("sha256", Presence::kRequired);
  if (!digest.ok()) return digest.status();
  if (!IsHexDigest(*digest)) {
    return entry.ErrorAt("sha256", "'sha256' must be 64 hex digits");
  }
  model->sha256 = Lowercase(*digest);

  Result<std::string> dtype = entry.String("input_dtype", Presence::kOptional);
  if (!dtype.ok()) return dtype.status();
  if (!dtype->empty() && !tensor::ParseDType(*dtype, &model->input_dtype)) {
    return entry.ErrorAt("input_dtype", "unknown dtype '" + *dtype + "'");
  }

  Result<int64_t> chunk = entry.Integer("chunk_rows", 0);
  if (!chunk.ok()) return chunk.status();
  if (*chunk < 0) return entry.ErrorAt("chunk_rows", "must not be negative");
  model->chunk_rows = *chunk;
  return Status::Ok();
}

Result<ModelSpec> ReadModel(const ManifestFile& file,
                            const config::TomlValue& table) {
  ManifestEntry entry(file, table, "model");
  ModelSpec model;
  Result<std::string> id = entry.String("id", Presence::kRequired);
  if (!id.ok()) return id.status();
  model.id = *id;
  entry.SetName(model.id);
  DIM_RETURN_IF_ERROR(entry.CheckKeys(kModelKeys));

  Result<std::string> name = entry.String("file", Presence::kRequired);
  if (!name.ok()) return name.status();
  model.path = name->front() == '/' ? *name : file.Dir() + "/" + *name;

  DIM_RETURN_IF_ERROR(ReadDigestAndTypes(entry, &model));
  DIM_RETURN_IF_ERROR(ReadShape(entry, &model));
  Result<std::string> text = entry.String("description", Presence::kOptional);
  if (!text.ok()) return text.status();
  model.description = *text;
  return model;
}

std::string ModelList(const std::vector<ModelSpec>& models) {
  if (models.empty()) return "none";
  std::string list;
  for (const ModelSpec& m : models) {
    if (!list.empty()) list += ", ";
    list += m.id;
  }
  return list;
}

}  // namespace

Result<std::vector<ModelSpec>> ParseModelManifest(const std::string& path) {
  Result<ManifestFile> file = ManifestFile::Parse(path);
  if (!file.ok()) return file.status();
  auto tables = file->Section("model");
  if (!tables.ok()) return tables.status();

  std::vector<ModelSpec> models;
  std::set<std::string> ids;
  for (const config::TomlValue* table : *tables) {
    Result<ModelSpec> model = ReadModel(*file, *table);
    if (!model.ok()) return model.status();
    if (!ids.insert(model->id).second) {
      return file->ErrorAt(ManifestFile::PositionOf(*table, "id"),
                           "model id '" + model->id + "' appears twice");
    }
    models.push_back(std::move(*model));
  }
  return models;
}

Status CheckInput(const ModelSpec& model, const tensor::Tensor& input) {
  return tensor::CheckSignature(
      model.id, tensor::Signature{model.input_dtype, model.input_shape},
      input.dtype, input.shape, "got");
}

ModelStore::ModelStore(std::string node_id, std::vector<ModelSpec> models,
                       Engine* engine)
    : node_id_(std::move(node_id)),
      models_(std::move(models)),
      engine_(engine) {
  for (const ModelSpec& m : models_) {
    load_locks_[m.id] = std::make_unique<std::mutex>();
  }
}

Result<std::unique_ptr<ModelStore>> ModelStore::Open(
    const std::string& model_dir, const std::string& node_id,
    Engine* engine) {
  std::vector<ModelSpec> models;
  if (!model_dir.empty()) {
    Result<std::vector<ModelSpec>> parsed =
        ParseModelManifest(model_dir + "/models.toml");
    if (!parsed.ok()) return parsed.status();
    models = std::move(*parsed);
  }
  return std::unique_ptr<ModelStore>(
      new ModelStore(node_id, std::move(models), engine));
}

Result<const ModelSpec*> ModelStore::Find(const std::string& model_id) const {
  for (const ModelSpec& m : models_) {
    if (m.id == model_id) return &m;
  }
  return NotFound("no model '" + model_id + "' on node " + node_id_ +
                  " (has: " + ModelList(models_) + ")");
}

Status ModelStore::EnsureLoaded(const std::string& model_id) {
  Result<const ModelSpec*> model = Find(model_id);
  if (!model.ok()) return model.status();

  std::lock_guard<std::mutex> lock(*load_locks_.at(model_id));
  if (engine_->IsLoaded(model_id)) return Status::Ok();
  return Load(**model);
}

bool ModelStore::IsLoaded(const std::string& model_id) const {
  return engine_->IsLoaded(model_id);
}

Status ModelStore::Load(const ModelSpec& model) {
  Result<std::string> digest = Sha256OfFile(model.path);
  if (!digest.ok()) return digest.status().WithContext("model " + model.id);
  if (*digest != model.sha256) {
    return FailedPrecondition("model " + model.id + ": file " + model.path +
                              " has sha256 " + *digest +
                              ", but the manifest expects " + model.sha256);
  }

  DIM_RETURN_IF_ERROR(engine_->Load(model.id, model.path));
  DIM_LOG(Info, "runtime") << "node " << node_id_ << " loaded model "
                           << model.id << " from " << model.path;
  return Status::Ok();
}

}  // namespace dim::runtime
