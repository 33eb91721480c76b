#include <cstdlib>
#include <cstring>

#include "base/log.h"
#include "kernels/cpu_features.h"
#include "kernels/kernels.h"
#include "tensor/fp16.h"
#include "tensor/quant_blocks.h"

namespace omni {

#if defined(OMNI_HAVE_X86_KERNELS)
namespace avx2 {
const KernelTable& table();
}
namespace avx512 {
const KernelTable& table();
}
namespace avx512vnni {
const KernelTable& table();
}
namespace amx {
const KernelTable& table();
}
#endif

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return "scalar";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512";
    case Isa::kAvx512Vnni:
      return "avx512vnni";
    case Isa::kAmx:
      return "amx";
  }
  return "?";
}

void q8_0_block_info(const void* a, int64_t n, Q8_0BlockInfo* info) {
  const auto* blocks = static_cast<const BlockQ8_0*>(a);
  for (int64_t b = 0; b < n / kQK8_0; ++b) {
    int32_t sum = 0;
    for (int8_t q : blocks[b].qs) sum += q;
    info[b] = {fp16_to_f32(blocks[b].d), sum};
  }
}

DType vec_dot_type(DType weight) {
  switch (weight) {
    case DType::Q4_0:
    case DType::Q4_1:
    case DType::Q5_0:
    case DType::Q5_1:
    case DType::Q8_0:
      return DType::Q8_0;
    case DType::Q2_K:
    case DType::Q3_K:
    case DType::Q4_K:
    case DType::Q5_K:
    case DType::Q6_K:
    case DType::Q8_K:
      return DType::Q8_K;
    default:
      return DType::F32;
  }
}

const KernelTable* kernel_table(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return &reference_kernels();
#if defined(OMNI_HAVE_X86_KERNELS)
    case Isa::kAvx2:
      return &avx2::table();
    case Isa::kAvx512:
      return &avx512::table();
    case Isa::kAvx512Vnni:
      return &avx512vnni::table();
    case Isa::kAmx:
      return &amx::table();
#else
    default:
      return nullptr;
#endif
  }
  return nullptr;
}

bool isa_supported(Isa isa) {
  const CpuFeatures& f = cpu_features();
  switch (isa) {
    case Isa::kScalar:
      return true;
    case Isa::kAvx2:
      return f.avx2 && f.fma && f.f16c;
    case Isa::kAvx512:
      return f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.f16c;
    case Isa::kAvx512Vnni:
      return isa_supported(Isa::kAvx512) && f.avx512vnni;
    case Isa::kAmx:
      return isa_supported(Isa::kAvx512Vnni) && amx_permitted();
  }
  return false;
}

std::vector<Isa> compiled_isas() {
  std::vector<Isa> out;
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kAvx512Vnni, Isa::kAmx}) {
    if (kernel_table(isa)) out.push_back(isa);
  }
  return out;
}

const KernelTable& select_kernels() {
  static const KernelTable* chosen = [] {
    Isa limit = Isa::kAmx;
    if (const char* env = std::getenv("OMNI_ISA")) {
      bool known = false;
      for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kAvx512Vnni, Isa::kAmx}) {
        if (std::strcmp(env, isa_name(isa)) == 0) {
          limit = isa;
          known = true;
        }
      }
      if (!known)
        OMNI_LOG_WARN("OMNI_ISA=%s is not one of scalar, avx2, avx512, avx512vnni, amx; ignored",
                      env);
    }
    const KernelTable* best = &reference_kernels();
    for (Isa isa : compiled_isas()) {
      if (int(isa) <= int(limit) && isa_supported(isa)) best = kernel_table(isa);
    }
    OMNI_LOG_DEBUG("kernels: %s", isa_name(best->isa));
    return best;
  }();
  return *chosen;
}

}  // namespace omni
