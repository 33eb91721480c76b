// Element types. The numeric values are GGUF's tensor type ids (ggml_type), so a type read from a
// file is a DType without translation. A quantized type stores `block_size` consecutive elements
// of a row in `block_bytes` bytes; the layouts are in quant_blocks.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace omni {

enum class DType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
};

inline constexpr uint32_t kDTypeIdLimit = 31;  // every known id is below this

struct DTypeInfo {
  const char* name;     // lower-case, as on the command line: "q4_k"
  int64_t block_size;   // elements per block (1 for plain types)
  size_t block_bytes;   // bytes per block
  bool can_dequantize;  // this build converts it to f32
  bool can_quantize;    // this build converts f32 to it
};

// nullptr when `id` is not a known GGUF type id.
const DTypeInfo* dtype_info(uint32_t id);
inline const DTypeInfo& info(DType t) {
  return *dtype_info(uint32_t(t));
}
inline const char* dtype_name(DType t) {
  return info(t).name;
}

// Bytes of `n` consecutive elements; n must be a multiple of the block size.
inline size_t row_bytes(DType t, int64_t n) {
  const DTypeInfo& i = info(t);
  return size_t(n / i.block_size) * i.block_bytes;
}

StatusOr<DType> dtype_from_name(std::string_view name);
// "f32, f16, ..." for error messages.
std::string dtype_names(bool quantizable_only);

}  // namespace omni
