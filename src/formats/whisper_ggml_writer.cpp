#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "formats/whisper_ggml.h"

namespace omni {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

Status put(std::FILE* f, const void* p, size_t n, const std::string& path) {
  if (n && std::fwrite(p, 1, n, f) != n) return IoError("%s: write failed", path.c_str());
  return Status::Ok();
}

Status put_i32(std::FILE* f, int32_t v, const std::string& path) {
  return put(f, &v, 4, path);
}

}  // namespace

Status WhisperGgmlWriter::add_tensor(const std::string& name, DType type,
                                     const std::vector<int64_t>& ne, Producer produce) {
  if (ne.empty() || ne.size() > size_t(kMaxDims)) {
    return InvalidArgument("tensor '%s' has %zu dimensions (1..%d)", name.c_str(), ne.size(),
                           kMaxDims);
  }
  for (int64_t n : ne) {
    if (n < 1 || n > INT32_MAX) return InvalidArgument("tensor '%s' has a bad shape", name.c_str());
  }
  if (ne[0] % info(type).block_size) {
    return InvalidArgument("tensor '%s': rows of %lld are not whole %s blocks", name.c_str(),
                           (long long)ne[0], dtype_name(type));
  }
  tensors_.push_back({name, type, ne, std::move(produce)});
  return Status::Ok();
}

Status WhisperGgmlWriter::write(const std::string& path) const {
  if (mel_filters.size() != size_t(mel_n_mels) * size_t(mel_n_bins)) {
    return InvalidArgument("mel filterbank of %zu values is not %d x %d", mel_filters.size(),
                           mel_n_mels, mel_n_bins);
  }
  const std::string tmp = path + ".tmp";
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(tmp.c_str(), "wb"));
  if (!f) return IoError("%s: cannot create: %s", tmp.c_str(), std::strerror(errno));
  std::FILE* out = f.get();
  OMNI_RETURN_IF_ERROR(put(out, &kWhisperGgmlMagic, 4, path));
  const WhisperHparams& h = hparams;
  for (int32_t v :
       {h.n_vocab, h.n_audio_ctx, h.n_audio_state, h.n_audio_head, h.n_audio_layer, h.n_text_ctx,
        h.n_text_state, h.n_text_head, h.n_text_layer, h.n_mels, h.ftype + 1000 * h.qnt_version}) {
    OMNI_RETURN_IF_ERROR(put_i32(out, v, path));
  }
  OMNI_RETURN_IF_ERROR(put_i32(out, mel_n_mels, path));
  OMNI_RETURN_IF_ERROR(put_i32(out, mel_n_bins, path));
  OMNI_RETURN_IF_ERROR(put(out, mel_filters.data(), mel_filters.size() * 4, path));
  OMNI_RETURN_IF_ERROR(put_i32(out, int32_t(tokens.size()), path));
  for (const std::string& t : tokens) {
    OMNI_RETURN_IF_ERROR(put_i32(out, int32_t(t.size()), path));
    OMNI_RETURN_IF_ERROR(put(out, t.data(), t.size(), path));
  }
  std::vector<uint8_t> buffer;
  for (const Pending& t : tensors_) {
    OMNI_RETURN_IF_ERROR(put_i32(out, int32_t(t.ne.size()), path));
    OMNI_RETURN_IF_ERROR(put_i32(out, int32_t(t.name.size()), path));
    OMNI_RETURN_IF_ERROR(put_i32(out, int32_t(t.type), path));
    size_t rows = 1;
    for (size_t i = 0; i < t.ne.size(); ++i) {
      OMNI_RETURN_IF_ERROR(put_i32(out, int32_t(t.ne[i]), path));
      if (i) rows *= size_t(t.ne[i]);
    }
    OMNI_RETURN_IF_ERROR(put(out, t.name.data(), t.name.size(), path));
    buffer.resize(row_bytes(t.type, t.ne[0]) * rows);
    OMNI_RETURN_IF_ERROR(t.produce(buffer.data(), buffer.size()));
    OMNI_RETURN_IF_ERROR(put(out, buffer.data(), buffer.size(), path));
  }
  if (std::fflush(out) != 0) return IoError("%s: write failed", path.c_str());
  f.reset();
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return IoError("%s: cannot rename into place: %s", path.c_str(), std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace omni
