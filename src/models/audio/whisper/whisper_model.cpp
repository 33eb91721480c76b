#include "models/audio/whisper/whisper_model.h"

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>

#include "models/audio/whisper/whisper_arch.h"
#include "tensor/quantize.h"

namespace omni {
namespace {

bool plain_float(DType t) {
  return t == DType::F32 || t == DType::F16;
}

std::string spec_shape(const WhisperTensorSpec& spec) {
  std::string s = "[";
  for (size_t i = 0; i < spec.ne.size(); ++i) s += (i ? ", " : "") + std::to_string(spec.ne[i]);
  return s + "]";
}

}  // namespace

StatusOr<WhisperModel> WhisperModel::load_ggml(const std::string& path) {
  OMNI_ASSIGN_OR_RETURN(WhisperGgmlFile parsed, WhisperGgmlFile::open(path));
  WhisperModel m;
  m.file_ = std::make_shared<WhisperGgmlFile>(std::move(parsed));
  const WhisperGgmlFile& f = *m.file_;
  m.h_ = f.hparams();
  if (f.mel_n_bins() != kWhisperNBins) {
    return Corrupt("%s: mel filterbank of %d bins (expected %d)", path.c_str(), f.mel_n_bins(),
                   kWhisperNBins);
  }
  m.mel_ = {f.mel_n_mels(), f.mel_n_bins(), f.mel_filters()};
  m.tokens_ = f.tokens();
  auto find = [&](const WhisperTensorSpec& spec) -> StatusOr<TensorView> {
    const WhisperGgmlTensor* t = f.find_tensor(spec.name);
    if (!t) return Corrupt("%s: tensor '%s' is missing", path.c_str(), spec.name.c_str());
    bool same = t->view.n_dims == int(spec.ne.size());
    for (size_t i = 0; same && i < spec.ne.size(); ++i) same = t->view.ne[i] == spec.ne[i];
    if (!same) {
      return Corrupt("%s: tensor '%s' has shape %s, expected %s", path.c_str(), spec.name.c_str(),
                     shape_string(t->view).c_str(), spec_shape(spec).c_str());
    }
    return t->view;
  };
  OMNI_RETURN_IF_ERROR(m.assemble(find, path));
  return m;
}

Status WhisperModel::assemble(const Finder& find, const std::string& label) {
  WhisperModel& m = *this;
  std::map<std::string, TensorView> views;
  for (const WhisperTensorSpec& spec : whisper_tensor_specs(m.h_)) {
    OMNI_ASSIGN_OR_RETURN(TensorView view, find(spec));
    if (!spec.is_matrix && view.type == DType::F16) {
      // Hugging Face fp16 checkpoints store vectors in f16 too; they are used as f32.
      auto copy = std::make_shared<AlignedBuffer<uint8_t>>(size_t(view.n_elements()) * 4);
      dequantize_row_ref(DType::F16, view.data, reinterpret_cast<float*>(copy->data()),
                         view.n_elements());
      view = make_contiguous_view(DType::F32, view.n_dims, view.ne.data(), copy->data());
      m.copies_.push_back(std::move(copy));
    }
    if (!spec.is_matrix && view.type != DType::F32) {
      return Unsupported("%s: tensor '%s' is %s (expected f32)", label.c_str(), spec.name.c_str(),
                         dtype_name(view.type));
    }
    if (spec.name.find("conv") != std::string::npos && !plain_float(view.type)) {
      return Unsupported("%s: tensor '%s' is %s (f32 or f16 supported)", label.c_str(),
                         spec.name.c_str(), dtype_name(view.type));
    }
    if (reinterpret_cast<uintptr_t>(view.data) % kBufferAlignment != 0) {
      auto copy = std::make_shared<AlignedBuffer<uint8_t>>(view.n_bytes());
      std::memcpy(copy->data(), view.data, view.n_bytes());
      view.data = copy->data();
      m.copies_.push_back(std::move(copy));
    }
    views[spec.name] = view;
  }
  auto v = [&](const std::string& name) { return views.at(name); };
  m.enc_pos = v("encoder.positional_embedding");
  m.conv1_w = v("encoder.conv1.weight");
  m.conv1_b = v("encoder.conv1.bias");
  m.conv2_w = v("encoder.conv2.weight");
  m.conv2_b = v("encoder.conv2.bias");
  m.enc_ln_w = v("encoder.ln_post.weight");
  m.enc_ln_b = v("encoder.ln_post.bias");
  m.dec_pos = v("decoder.positional_embedding");
  m.token_embedding = v("decoder.token_embedding.weight");
  m.dec_ln_w = v("decoder.ln.weight");
  m.dec_ln_b = v("decoder.ln.bias");
  auto layer = [&](const std::string& p, bool cross) {
    WhisperLayer l;
    l.attn_ln_w = v(p + "attn_ln.weight");
    l.attn_ln_b = v(p + "attn_ln.bias");
    l.q_w = v(p + "attn.query.weight");
    l.q_b = v(p + "attn.query.bias");
    l.k_w = v(p + "attn.key.weight");
    l.v_w = v(p + "attn.value.weight");
    l.v_b = v(p + "attn.value.bias");
    l.o_w = v(p + "attn.out.weight");
    l.o_b = v(p + "attn.out.bias");
    if (cross) {
      l.cross_ln_w = v(p + "cross_attn_ln.weight");
      l.cross_ln_b = v(p + "cross_attn_ln.bias");
      l.cq_w = v(p + "cross_attn.query.weight");
      l.cq_b = v(p + "cross_attn.query.bias");
      l.ck_w = v(p + "cross_attn.key.weight");
      l.cv_w = v(p + "cross_attn.value.weight");
      l.cv_b = v(p + "cross_attn.value.bias");
      l.co_w = v(p + "cross_attn.out.weight");
      l.co_b = v(p + "cross_attn.out.bias");
    }
    l.mlp_ln_w = v(p + "mlp_ln.weight");
    l.mlp_ln_b = v(p + "mlp_ln.bias");
    l.mlp0_w = v(p + "mlp.0.weight");
    l.mlp0_b = v(p + "mlp.0.bias");
    l.mlp2_w = v(p + "mlp.2.weight");
    l.mlp2_b = v(p + "mlp.2.bias");
    return l;
  };
  for (int i = 0; i < m.h_.n_audio_layer; ++i) {
    m.encoder.push_back(layer("encoder.blocks." + std::to_string(i) + ".", false));
  }
  for (int i = 0; i < m.h_.n_text_layer; ++i) {
    m.decoder.push_back(layer("decoder.blocks." + std::to_string(i) + ".", true));
  }
  return Status::Ok();
}

StatusOr<WhisperModel> WhisperModel::load(const std::string& path) {
  if (std::filesystem::is_directory(path)) return load_hf(path);
  return load_ggml(path);
}

}  // namespace omni
