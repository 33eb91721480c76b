#include "formats/whisper_ggml.h"

#include <cstring>
#include <unordered_set>

namespace omni {
namespace {

constexpr int32_t kMaxVocab = 1 << 20;
constexpr int32_t kMaxDimension = 1 << 16;  // contexts, widths, heads, layers
constexpr int32_t kMaxMels = 512;
constexpr int32_t kMaxMelBins = 1 << 14;
constexpr uint32_t kMaxTokenBytes = 1 << 16;
constexpr int32_t kMaxNameBytes = 256;
constexpr int64_t kMaxElements = int64_t(1) << 40;

// A bounds-checked little-endian cursor; errors name what was being read and where.
class Cursor {
 public:
  Cursor(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  size_t pos() const { return pos_; }
  size_t remaining() const { return size_ - pos_; }
  const uint8_t* here() const { return data_ + pos_; }

  template <typename T>
  Status read(T* out, const char* what) {
    if (remaining() < sizeof(T)) return truncated(what);
    std::memcpy(out, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return Status::Ok();
  }
  Status skip(size_t n, const char* what) {
    if (remaining() < n) return truncated(what);
    pos_ += n;
    return Status::Ok();
  }
  Status truncated(const char* what) const {
    return Corrupt("file ends at byte %zu while reading %s (truncated file?)", size_, what);
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

Status check_range(const char* name, int32_t v, int32_t lo, int32_t hi) {
  if (v < lo || v > hi)
    return Corrupt("hyperparameter %s is %d (expected %d..%d)", name, v, lo, hi);
  return Status::Ok();
}

Status read_hparams(Cursor& c, WhisperHparams* h) {
  struct Field {
    const char* name;
    int32_t* value;
    int32_t lo, hi;
  };
  int32_t ftype_raw = 0;
  const Field fields[] = {
      {"n_vocab", &h->n_vocab, 1, kMaxVocab},
      {"n_audio_ctx", &h->n_audio_ctx, 1, kMaxDimension},
      {"n_audio_state", &h->n_audio_state, 1, kMaxDimension},
      {"n_audio_head", &h->n_audio_head, 1, kMaxDimension},
      {"n_audio_layer", &h->n_audio_layer, 1, kMaxDimension},
      {"n_text_ctx", &h->n_text_ctx, 1, kMaxDimension},
      {"n_text_state", &h->n_text_state, 1, kMaxDimension},
      {"n_text_head", &h->n_text_head, 1, kMaxDimension},
      {"n_text_layer", &h->n_text_layer, 1, kMaxDimension},
      {"n_mels", &h->n_mels, 1, kMaxMels},
      {"ftype", &ftype_raw, 0, 1000 * 100 + 99},
  };
  for (const Field& f : fields) {
    OMNI_RETURN_IF_ERROR(c.read(f.value, "the hyperparameters"));
    OMNI_RETURN_IF_ERROR(check_range(f.name, *f.value, f.lo, f.hi));
  }
  if (h->n_audio_state % h->n_audio_head || h->n_text_state % h->n_text_head) {
    return Corrupt("the model width (%d audio, %d text) is not a multiple of the heads (%d, %d)",
                   h->n_audio_state, h->n_text_state, h->n_audio_head, h->n_text_head);
  }
  h->ftype = ftype_raw % 1000;
  h->qnt_version = ftype_raw / 1000;
  return Status::Ok();
}

Status read_tensor(Cursor& c, const uint8_t* base, WhisperGgmlTensor* t) {
  const size_t start = c.pos();
  int32_t n_dims, name_len, type_id;
  OMNI_RETURN_IF_ERROR(c.read(&n_dims, "a tensor header"));
  OMNI_RETURN_IF_ERROR(c.read(&name_len, "a tensor header"));
  OMNI_RETURN_IF_ERROR(c.read(&type_id, "a tensor header"));
  if (n_dims < 1 || n_dims > kMaxDims) {
    return Corrupt("tensor at byte %zu has %d dimensions (1..%d)", start, n_dims, kMaxDims);
  }
  if (name_len < 1 || name_len > kMaxNameBytes) {
    return Corrupt("tensor at byte %zu has a name of %d bytes (1..%d)", start, name_len,
                   kMaxNameBytes);
  }
  const DTypeInfo* type = type_id >= 0 ? dtype_info(uint32_t(type_id)) : nullptr;
  int64_t ne[kMaxDims] = {1, 1, 1, 1};
  int64_t n_elements = 1;
  for (int i = 0; i < n_dims; ++i) {
    int32_t v;
    OMNI_RETURN_IF_ERROR(c.read(&v, "a tensor's shape"));
    if (v < 1 || v > kMaxElements / n_elements) {
      return Corrupt("tensor at byte %zu has dimension %d of size %d", start, i, v);
    }
    ne[i] = v;
    n_elements *= v;
  }
  if (c.remaining() < size_t(name_len)) return c.truncated("a tensor name");
  t->name.assign(reinterpret_cast<const char*>(c.here()), size_t(name_len));
  OMNI_RETURN_IF_ERROR(c.skip(size_t(name_len), "a tensor name"));
  if (!type) {
    return Corrupt("tensor '%s' has unknown ggml type %d", t->name.c_str(), type_id);
  }
  if (ne[0] % type->block_size != 0) {
    return Corrupt("tensor '%s': rows of %lld elements are not whole %s blocks of %lld",
                   t->name.c_str(), (long long)ne[0], type->name, (long long)type->block_size);
  }
  t->offset = c.pos();
  t->view = make_contiguous_view(DType(type_id), n_dims, ne, base + c.pos());
  const size_t n_bytes = t->view.n_bytes();
  if (c.remaining() < n_bytes) {
    return Corrupt(
        "tensor '%s' (%s %s, %zu bytes at byte %zu) ends past the end of the file "
        "(%zu bytes left; truncated file?)",
        t->name.c_str(), type->name, shape_string(t->view).c_str(), n_bytes, c.pos(),
        c.remaining());
  }
  return c.skip(n_bytes, "tensor data");
}

}  // namespace

StatusOr<WhisperGgmlFile> WhisperGgmlFile::open(const std::string& path) {
  OMNI_ASSIGN_OR_RETURN(MappedFile file, MappedFile::open(path));
  OMNI_ASSIGN_OR_RETURN(WhisperGgmlFile w, parse(file.data(), file.size(), path));
  w.file_ = std::move(file);  // the mapping's address does not change when moved
  return w;
}

StatusOr<WhisperGgmlFile> WhisperGgmlFile::parse(const uint8_t* data, size_t size,
                                                 const std::string& label) {
  auto fail = [&](const Status& s) { return s.with_context(label); };
  WhisperGgmlFile w;
  w.label_ = label;
  Cursor c(data, size);

  uint32_t magic = 0;
  if (Status s = c.read(&magic, "the magic number"); !s.ok()) return fail(s);
  if (magic != kWhisperGgmlMagic) {
    return fail(Corrupt("not a whisper.cpp ggml file (magic 0x%08x, expected 0x%08x)", magic,
                        kWhisperGgmlMagic));
  }
  if (Status s = read_hparams(c, &w.hparams_); !s.ok()) return fail(s);

  int32_t n_mel = 0, n_bins = 0;
  if (Status s = c.read(&n_mel, "the mel filter shape"); !s.ok()) return fail(s);
  if (Status s = c.read(&n_bins, "the mel filter shape"); !s.ok()) return fail(s);
  if (n_mel < 1 || n_mel > kMaxMels || n_bins < 1 || n_bins > kMaxMelBins) {
    return fail(Corrupt("mel filterbank of %d x %d bins (expected 1..%d mels, 1..%d bins)", n_mel,
                        n_bins, kMaxMels, kMaxMelBins));
  }
  if (n_mel != w.hparams_.n_mels) {
    return fail(Corrupt("the mel filterbank has %d mels but the hyperparameters say %d", n_mel,
                        w.hparams_.n_mels));
  }
  const size_t filter_bytes = size_t(n_mel) * size_t(n_bins) * sizeof(float);
  if (c.remaining() < filter_bytes) return fail(c.truncated("the mel filters"));
  w.mel_n_mels_ = n_mel;
  w.mel_n_bins_ = n_bins;
  w.mel_filters_.resize(size_t(n_mel) * size_t(n_bins));
  std::memcpy(w.mel_filters_.data(), c.here(), filter_bytes);
  if (Status s = c.skip(filter_bytes, "the mel filters"); !s.ok()) return fail(s);

  int32_t n_tokens = 0;
  if (Status s = c.read(&n_tokens, "the token count"); !s.ok()) return fail(s);
  if (n_tokens < 0 || n_tokens > w.hparams_.n_vocab) {
    return fail(Corrupt("%d tokens listed for a vocabulary of %d", n_tokens, w.hparams_.n_vocab));
  }
  w.tokens_.resize(size_t(n_tokens));
  for (int32_t i = 0; i < n_tokens; ++i) {
    uint32_t len = 0;
    if (Status s = c.read(&len, "a token's length"); !s.ok()) return fail(s);
    if (len > kMaxTokenBytes) {
      return fail(Corrupt("token %d at byte %zu has length %u (limit %u)", i, c.pos() - 4, len,
                          kMaxTokenBytes));
    }
    if (c.remaining() < len) return fail(c.truncated("a token"));
    w.tokens_[size_t(i)].assign(reinterpret_cast<const char*>(c.here()), len);
    if (Status s = c.skip(len, "a token"); !s.ok()) return fail(s);
  }

  std::unordered_set<std::string> names;
  while (c.remaining() > 0) {
    WhisperGgmlTensor t;
    if (Status s = read_tensor(c, data, &t); !s.ok()) return fail(s);
    if (!names.insert(t.name).second) {
      return fail(Corrupt("tensor '%s' appears twice", t.name.c_str()));
    }
    w.tensors_.push_back(std::move(t));
  }
  return w;
}

const WhisperGgmlTensor* WhisperGgmlFile::find_tensor(std::string_view name) const {
  for (const auto& t : tensors_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

}  // namespace omni
