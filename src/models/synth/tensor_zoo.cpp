#include <cstring>
#include <vector>

#include "models/synth/synth.h"
#include "tensor/fp16.h"
#include "tensor/quant_blocks.h"

namespace omni {
namespace {

// A finite half float of moderate magnitude (about 2^-10 .. 2^2) and random sign.
uint16_t random_half(SynthRng& rng) {
  const uint16_t sign = uint16_t((rng.next() & 1) << 15);
  const uint16_t exp = uint16_t(5 + rng.next() % 12);  // biased exponent 5..16
  return uint16_t(sign | (exp << 10) | (rng.next() & 0x3ff));
}

// Overwrites the scale fields of every block so that the values are finite.
void fix_scales(DType type, uint8_t* data, size_t n_bytes, SynthRng& rng) {
  const size_t bs = info(type).block_bytes;
  for (size_t off = 0; off + bs <= n_bytes; off += bs) {
    uint8_t* b = data + off;
    auto set_half = [&](size_t field_offset) {
      const uint16_t h = random_half(rng);
      std::memcpy(b + field_offset, &h, 2);
    };
    switch (type) {
      case DType::Q4_0:
        set_half(offsetof(BlockQ4_0, d));
        break;
      case DType::Q4_1:
        set_half(offsetof(BlockQ4_1, d));
        set_half(offsetof(BlockQ4_1, m));
        break;
      case DType::Q5_0:
        set_half(offsetof(BlockQ5_0, d));
        break;
      case DType::Q5_1:
        set_half(offsetof(BlockQ5_1, d));
        set_half(offsetof(BlockQ5_1, m));
        break;
      case DType::Q8_0:
        set_half(offsetof(BlockQ8_0, d));
        break;
      case DType::Q2_K:
        set_half(offsetof(BlockQ2_K, d));
        set_half(offsetof(BlockQ2_K, dmin));
        break;
      case DType::Q3_K:
        set_half(offsetof(BlockQ3_K, d));
        break;
      case DType::Q4_K:
        set_half(offsetof(BlockQ4_K, d));
        set_half(offsetof(BlockQ4_K, dmin));
        break;
      case DType::Q5_K:
        set_half(offsetof(BlockQ5_K, d));
        set_half(offsetof(BlockQ5_K, dmin));
        break;
      case DType::Q6_K:
        set_half(offsetof(BlockQ6_K, d));
        break;
      case DType::Q8_K: {
        const float d = fp16_to_f32(random_half(rng));
        std::memcpy(b + offsetof(BlockQ8_K, d), &d, 4);
        break;
      }
      case DType::F16:
        set_half(0);
        break;
      case DType::BF16: {
        const uint16_t h = f32_to_bf16(fp16_to_f32(random_half(rng)));
        std::memcpy(b, &h, 2);
        break;
      }
      case DType::F32: {
        const float f = fp16_to_f32(random_half(rng)) * (1.0f + rng.uniform());
        std::memcpy(b, &f, 4);
        break;
      }
      default:
        break;
    }
  }
}

}  // namespace

Status write_tensor_zoo(const std::string& path, uint64_t seed) {
  GgufWriter w;
  w.set("general.architecture", GgufValue::string("omni-tensor-zoo"));
  w.set("general.name", GgufValue::string("one tensor per block type, random contents"));
  for (uint32_t id = 0; id < kDTypeIdLimit; ++id) {
    const DTypeInfo* ti = dtype_info(id);
    if (!ti || !ti->can_dequantize) continue;
    const DType type = DType(id);
    const uint64_t tensor_seed = hash_name(seed, ti->name);
    OMNI_RETURN_IF_ERROR(w.add_tensor(std::string("zoo.") + ti->name, type, {512, 3},
                                      [type, tensor_seed](uint8_t* out, size_t n) {
                                        SynthRng rng(tensor_seed);
                                        for (size_t i = 0; i < n; ++i) out[i] = uint8_t(rng.next());
                                        fix_scales(type, out, n, rng);
                                        return Status::Ok();
                                      }));
  }
  return w.write(path);
}

}  // namespace omni
