// Writes a llama-family GGUF model as a Hugging Face checkpoint directory: model.safetensors,
// config.json, tokenizer.json and tokenizer_config.json. Weights must be F32, F16 or BF16 (kept
// in their type). GGUF `llama` files store q/k rows permuted for adjacent-pair RoPE; they are
// put back in Hugging Face's order.
#pragma once

#include <string>

#include "base/status.h"

namespace omni {

Status export_hf(const std::string& gguf_path, const std::string& out_dir);

}  // namespace omni
