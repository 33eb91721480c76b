#include "nn/matmul.h"

#include <algorithm>
#include <cassert>

#include "tensor/quantize.h"

namespace omni::nn {

void matmul(const KernelTable& k, const TensorView& w, const float* x, int64_t n_tokens, float* y,
            ThreadPool& pool, MatmulScratch& scratch) {
  const int64_t n_in = w.ne[0], n_out = w.ne[1];
  const DType at = vec_dot_type(w.type);
  assert(k.vec_dot_tile[uint32_t(w.type)] && "matmul: weight type without a dot kernel");
  const uint8_t* act = reinterpret_cast<const uint8_t*>(x);
  size_t act_stride = size_t(n_in) * sizeof(float);
  if (at != DType::F32) {
    act_stride = row_bytes(at, n_in);
    if (scratch.encoded.size() < act_stride * size_t(n_tokens))
      scratch.encoded.resize(act_stride * size_t(n_tokens));
    // One row per token, each encoded on its own: the split over threads does not matter. The
    // table's encoder writes the same bytes as quantize_row.
    uint8_t* enc = scratch.encoded.data();
    const QuantizeActFn encode = k.quantize_act[uint32_t(at)];
    assert(encode && "matmul: activation type without an encoder");
    pool.parallel_for(size_t(n_tokens), [&](size_t begin, size_t end, int) {
      for (size_t t = begin; t < end; ++t)
        encode(x + int64_t(t) * n_in, enc + t * act_stride, n_in);
    });
    act = scratch.encoded.data();
  }
  const uint8_t* wdata = static_cast<const uint8_t*>(w.data);
  const size_t wstride = w.nb[1];
  const VecDotTileFn tile = k.vec_dot_tile[uint32_t(w.type)];
  // Threads take ranges of kTileRows-row groups. Within a range, each group of rows is multiplied
  // by a chunk of tokens, kTileCols tokens per tile: the rows stay in L1 while the tokens stream
  // by, and the chunk's activations (at most kChunkBytes) stay in L2 while the groups pass over
  // them. Every element is the table's vec_dot (a property of vec_dot_tile), whatever the split.
  constexpr size_t kChunkBytes = size_t(192) << 10;
  const int64_t chunk =
      std::max<int64_t>(kTileCols, int64_t(kChunkBytes / act_stride) / kTileCols * kTileCols);
  const size_t n_groups = (size_t(n_out) + kTileRows - 1) / kTileRows;
  pool.parallel_for(n_groups, [&](size_t begin, size_t end, int) {
    for (int64_t t0 = 0; t0 < n_tokens; t0 += chunk) {
      const int64_t t1 = std::min(n_tokens, t0 + chunk);
      for (size_t g = begin; g < end; ++g) {
        const int64_t r0 = int64_t(g) * kTileRows;
        const int nr = int(std::min<int64_t>(kTileRows, n_out - r0));
        const uint8_t* rows = wdata + size_t(r0) * wstride;
        for (int64_t t = t0; t < t1; t += kTileCols) {
          const int nc = int(std::min<int64_t>(kTileCols, t1 - t));
          tile(n_in, rows, wstride, nr, act + size_t(t) * act_stride, act_stride, nc,
               y + t * n_out + r0, size_t(n_out));
        }
      }
    }
  });
}

void add_bias(float* y, const float* b, int64_t n_tokens, int64_t n) {
  for (int64_t t = 0; t < n_tokens; ++t) {
    for (int64_t i = 0; i < n; ++i) y[t * n + i] += b[i];
  }
}

}  // namespace omni::nn
