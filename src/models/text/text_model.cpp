#include "models/text/text_model.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <thread>

#include "base/thread_pool.h"
#include "kernels/kernels.h"
#include "models/vocab_from_gguf.h"
#include "tensor/interleave.h"

namespace omni {
namespace {

class Loader {
 public:
  explicit Loader(const GgufFile& f) : f_(f), k_(select_kernels()) {}

  // A matrix with exactly ne = {n_in, n_out} whose type the kernels can multiply.
  Status matrix(const std::string& name, int64_t n_in, int64_t n_out, TensorView* out) {
    const GgufTensorInfo* t = f_.find_tensor(name);
    if (!t) return NotFound("%s: tensor '%s' is missing", f_.label().c_str(), name.c_str());
    if (t->view.n_dims != 2 || t->view.ne[0] != n_in || t->view.ne[1] != n_out) {
      return Corrupt("%s: tensor '%s' has shape %s, expected [%lld, %lld]", f_.label().c_str(),
                     name.c_str(), shape_string(t->view).c_str(), (long long)n_in,
                     (long long)n_out);
    }
    if (!k_.vec_dot[uint32_t(t->view.type)] || !k_.dequantize[uint32_t(t->view.type)]) {
      return Unsupported("%s: tensor '%s' has type %s, which this build cannot compute with",
                         f_.label().c_str(), name.c_str(), dtype_name(t->view.type));
    }
    *out = t->view;
    return Status::Ok();
  }

  // A vector of n values, converted to float32. Optional vectors may be absent.
  Status vector(const std::string& name, int64_t n, bool required, std::vector<float>* out) {
    const GgufTensorInfo* t = f_.find_tensor(name);
    if (!t)
      return required ? NotFound("%s: tensor '%s' is missing", f_.label().c_str(), name.c_str())
                      : Status::Ok();
    if (t->view.n_elements() != n || t->view.ne[0] != n) {
      return Corrupt("%s: tensor '%s' has shape %s, expected [%lld]", f_.label().c_str(),
                     name.c_str(), shape_string(t->view).c_str(), (long long)n);
    }
    if (!k_.dequantize[uint32_t(t->view.type)]) {
      return Unsupported("%s: tensor '%s' has type %s", f_.label().c_str(), name.c_str(),
                         dtype_name(t->view.type));
    }
    out->resize(size_t(n));
    k_.dequantize[uint32_t(t->view.type)](t->view.data, out->data(), n);
    return Status::Ok();
  }

 private:
  const GgufFile& f_;
  const KernelTable& k_;
};

// Copies the matrices among `views` that decode reads faster interleaved
// (decode_prefers_interleaved, whole groups of rows) into `memory` with their rows interleaved
// (tensor/interleave.h), and points the views there; views of the same data (tied embeddings) share
// one copy. Each copied tensor's mapped data goes to `release`, so the resident set holds every
// weight once.
Status interleave_views(const std::vector<TensorView*>& views,
                        const std::function<void(const TensorView&)>& release,
                        WeightMemory* memory) {
  auto eligible = [](const TensorView& v) {
    return decode_prefers_interleaved(v.type, v.ne[0]) && v.ne[1] % kInterleaveRows == 0;
  };
  std::vector<const void*> sources;  // distinct, in order; copy i at offsets[i]
  std::vector<size_t> offsets;
  size_t total = 0;
  for (const TensorView* v : views) {
    if (!eligible(*v) || std::find(sources.begin(), sources.end(), v->data) != sources.end())
      continue;
    sources.push_back(v->data);
    offsets.push_back(total);
    total += (v->n_bytes() + 63) / 64 * 64;
  }
  if (total == 0) return Status::Ok();
  OMNI_ASSIGN_OR_RETURN(*memory, WeightMemory::allocate(total));
  // The copy is bound by page faults (fresh pages are zeroed by the kernel): all cores share it.
  ThreadPool pool(int(std::clamp(std::thread::hardware_concurrency(), 1u, 8u)));
  std::vector<bool> copied(sources.size(), false);
  for (TensorView* v : views) {
    if (!eligible(*v)) continue;
    const size_t i = size_t(std::find(sources.begin(), sources.end(), v->data) - sources.begin());
    uint8_t* dst = memory->data() + offsets[i];
    if (!copied[i]) {
      const TensorView src = *v;
      const size_t group_bytes = src.nb[1] * kInterleaveRows;
      pool.parallel_for(size_t(src.ne[1] / kInterleaveRows), [&](size_t begin, size_t end, int) {
        interleave_rows(src.type, static_cast<const uint8_t*>(src.data) + begin * group_bytes,
                        dst + begin * group_bytes, src.ne[0],
                        int64_t(end - begin) * kInterleaveRows);
      });
      release(src);
      copied[i] = true;
    }
    v->data = dst;
    v->rows_interleaved = true;
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::unique_ptr<TextModel>> TextModel::load(const std::string& path) {
  if (!path.ends_with(".gguf")) {
    FILE* f = std::fopen(path.c_str(), "rb");
    char magic[4] = {};
    const bool gguf = f && std::fread(magic, 1, 4, f) == 4 && std::memcmp(magic, "GGUF", 4) == 0;
    if (f) std::fclose(f);
    if (!gguf) return load_hf_text_model(path);
  }
  auto m = std::unique_ptr<TextModel>(new TextModel());
  OMNI_ASSIGN_OR_RETURN(m->file_, GgufFile::open(path));
  GgufFile& f = m->file_;
  OMNI_ASSIGN_OR_RETURN(std::string arch_name, f.get_string("general.architecture"));
  m->arch_ = find_text_arch(arch_name);
  if (m->arch_) m->neox_rope_ = m->arch_->neox_rope;
  if (!m->arch_) {
    return Unsupported("%s: architecture '%s' is not a text model this build runs (supported: %s)",
                       path.c_str(), arch_name.c_str(), text_arch_names().c_str());
  }
  OMNI_ASSIGN_OR_RETURN(m->hp_, text_hparams_from_gguf(f, *m->arch_));
  TextHParams& hp = m->hp_;
  Loader load(f);
  const GgufTensorInfo* embd = f.find_tensor("token_embd.weight");
  if (!embd) return NotFound("%s: tensor 'token_embd.weight' is missing", path.c_str());
  hp.n_vocab = embd->view.ne[1];
  OMNI_RETURN_IF_ERROR(load.matrix("token_embd.weight", hp.n_embd, hp.n_vocab, &m->tok_embd_));
  hp.tied_embeddings = f.find_tensor("output.weight") == nullptr;
  if (hp.tied_embeddings) {
    m->output_ = m->tok_embd_;
  } else {
    OMNI_RETURN_IF_ERROR(load.matrix("output.weight", hp.n_embd, hp.n_vocab, &m->output_));
  }
  OMNI_RETURN_IF_ERROR(load.vector("output_norm.weight", hp.n_embd, true, &m->output_norm_));
  OMNI_RETURN_IF_ERROR(load.vector("rope_freqs.weight", hp.n_rot / 2, false, &m->rope_factors_));
  const int64_t q_dim = hp.n_head * hp.head_dim, kv_dim = hp.n_head_kv * hp.head_dim;
  m->layers_.resize(size_t(hp.n_layer));
  for (int64_t i = 0; i < hp.n_layer; ++i) {
    TextLayer& l = m->layers_[size_t(i)];
    const std::string b = "blk." + std::to_string(i) + ".";
    OMNI_RETURN_IF_ERROR(load.vector(b + "attn_norm.weight", hp.n_embd, true, &l.attn_norm));
    OMNI_RETURN_IF_ERROR(load.matrix(b + "attn_q.weight", hp.n_embd, q_dim, &l.wq));
    OMNI_RETURN_IF_ERROR(load.matrix(b + "attn_k.weight", hp.n_embd, kv_dim, &l.wk));
    OMNI_RETURN_IF_ERROR(load.matrix(b + "attn_v.weight", hp.n_embd, kv_dim, &l.wv));
    OMNI_RETURN_IF_ERROR(load.matrix(b + "attn_output.weight", q_dim, hp.n_embd, &l.wo));
    OMNI_RETURN_IF_ERROR(load.vector(b + "attn_q.bias", q_dim, m->arch_->qkv_bias, &l.bq));
    OMNI_RETURN_IF_ERROR(load.vector(b + "attn_k.bias", kv_dim, m->arch_->qkv_bias, &l.bk));
    OMNI_RETURN_IF_ERROR(load.vector(b + "attn_v.bias", kv_dim, m->arch_->qkv_bias, &l.bv));
    OMNI_RETURN_IF_ERROR(
        load.vector(b + "attn_q_norm.weight", hp.head_dim, m->arch_->qk_norm, &l.q_norm));
    OMNI_RETURN_IF_ERROR(
        load.vector(b + "attn_k_norm.weight", hp.head_dim, m->arch_->qk_norm, &l.k_norm));
    OMNI_RETURN_IF_ERROR(load.vector(b + "ffn_norm.weight", hp.n_embd, true, &l.ffn_norm));
    OMNI_RETURN_IF_ERROR(load.matrix(b + "ffn_gate.weight", hp.n_embd, hp.n_ff, &l.w_gate));
    OMNI_RETURN_IF_ERROR(load.matrix(b + "ffn_up.weight", hp.n_embd, hp.n_ff, &l.w_up));
    OMNI_RETURN_IF_ERROR(load.matrix(b + "ffn_down.weight", hp.n_ff, hp.n_embd, &l.w_down));
  }
  if (f.find("tokenizer.ggml.tokens")) {
    OMNI_ASSIGN_OR_RETURN(m->tokenizer_, tokenizer_from_gguf(f));
    if (m->tokenizer_->n_vocab() > hp.n_vocab) {
      return Corrupt("%s: the tokenizer has %d tokens but the embedding only %lld rows",
                     path.c_str(), m->tokenizer_->n_vocab(), (long long)hp.n_vocab);
    }
  }
  if (const GgufValue* t = f.find("tokenizer.chat_template"); t && t->type == GgufType::kString)
    m->chat_template_ = t->str;
  m->file_.release_metadata();  // everything above has been copied out
  GgufFile* file = &m->file_;
  OMNI_RETURN_IF_ERROR(
      m->interleave_matrices([file](const TensorView& t) { file->release_data(t); }));
  return m;
}

Status TextModel::interleave_matrices(const std::function<void(const TensorView&)>& release) {
  std::vector<TensorView*> matrices = {&tok_embd_, &output_};
  for (TextLayer& l : layers_) {
    for (TensorView* v : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down})
      matrices.push_back(v);
  }
  return interleave_views(matrices, release, &interleaved_);
}

}  // namespace omni
