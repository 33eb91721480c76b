#include "nn/matmul.h"

#include <algorithm>
#include <cassert>
#include <numeric>

#include "kernels/cpu_features.h"
#include "tensor/interleave.h"
#include "tensor/quant_blocks.h"
#include "tensor/quantize.h"

namespace omni::nn {

namespace {

// The activations as the dot product's type: x itself for float weights, else encoded into the
// scratch, one row per token (each on its own, so the split over threads does not matter; the
// table's encoder writes the same bytes as quantize_row). With `block_info`, Q8_0 rows also get
// their blocks' Q8_0BlockInfo in scratch.block_info. Returns the rows and sets *stride.
const uint8_t* encode_activations(const KernelTable& k, DType at, const float* x, int64_t n_in,
                                  int64_t n_tokens, bool block_info, ThreadPool& pool,
                                  MatmulScratch& scratch, size_t* stride) {
  if (at == DType::F32) {
    *stride = size_t(n_in) * sizeof(float);
    return reinterpret_cast<const uint8_t*>(x);
  }
  *stride = row_bytes(at, n_in);
  const size_t bytes = *stride * size_t(n_tokens);
  if (scratch.encoded.size() < bytes) scratch.encoded.resize(bytes);
  uint8_t* enc = scratch.encoded.data();
  const QuantizeActFn encode = k.quantize_act[uint32_t(at)];
  assert(encode && "matmul: activation type without an encoder");
  Q8_0BlockInfo* info = nullptr;
  const int64_t n_blocks = n_in / kQK8_0;
  if (block_info && at == DType::Q8_0) {
    if (scratch.block_info.size() < size_t(n_tokens * n_blocks))
      scratch.block_info.resize(size_t(n_tokens * n_blocks));
    info = scratch.block_info.data();
  }
  auto encode_token = [&](size_t t) {
    encode(x + int64_t(t) * n_in, enc + t * *stride, n_in);
    if (info) q8_0_block_info(enc + t * *stride, n_in, info + int64_t(t) * n_blocks);
  };
  if (n_tokens == 1) {
    encode_token(0);  // not worth a parallel loop
  } else {
    pool.parallel_for(size_t(n_tokens), [&](size_t begin, size_t end, int) {
      for (size_t t = begin; t < end; ++t) encode_token(t);
    });
  }
  return enc;
}

}  // namespace

void matmuls(const KernelTable& k, std::span<const MatmulJob> jobs, const float* x,
             int64_t n_tokens, ThreadPool& pool, MatmulScratch& scratch) {
  if (jobs.empty()) return;
  const int64_t n_in = jobs[0].w->ne[0];
  const DType at = vec_dot_type(jobs[0].w->type);
  for (const MatmulJob& j : jobs) {
    assert(j.w->ne[0] == n_in && "matmuls: the products must share their input");
    assert(k.vec_dot_tile[uint32_t(j.w->type)] && "matmul: weight type without a dot kernel");
    if (vec_dot_type(j.w->type) != at) {  // activations encoded differently: one at a time
      for (const MatmulJob& one : jobs) matmuls(k, {&one, 1}, x, n_tokens, pool, scratch);
      return;
    }
  }
  // The interleaved Q4_0 / Q5_0 tiles read the activations' block info.
  bool block_info = false;
  for (const MatmulJob& j : jobs) {
    block_info |= j.w->rows_interleaved && (j.w->type == DType::Q4_0 || j.w->type == DType::Q5_0);
  }
  size_t act_stride = 0;
  const uint8_t* act =
      encode_activations(k, at, x, n_in, n_tokens, block_info, pool, scratch, &act_stride);

  // The products' row groups, numbered one after another: first_group[i] is product i's first.
  // A group is kTileRows rows, or kInterleaveRows for an interleaved matrix.
  constexpr size_t kMaxJobs = 4;
  assert(jobs.size() <= kMaxJobs && "matmuls: at most 4 products at once");
  size_t first_group[kMaxJobs + 1] = {0};
  for (size_t i = 0; i < jobs.size(); ++i) {
    const TensorView& w = *jobs[i].w;
    const int64_t rows = w.rows_interleaved ? kInterleaveRows : kTileRows;
    assert((!w.rows_interleaved || k.vec_dot_tile8[uint32_t(w.type)]) &&
           "matmul: interleaved type without a tile");
    first_group[i + 1] = first_group[i] + size_t((w.ne[1] + rows - 1) / rows);
  }
  const size_t n_groups = first_group[jobs.size()];

  // Threads take ranges of groups (which may run from one product into the next). Within a range,
  // each group of rows is multiplied by a chunk of tokens, kTileCols tokens per tile (kTile8Cols
  // for interleaved rows): the rows stay in L1 while the tokens stream by, and the chunk's
  // activations (3/8 of the core's L2, a whole number of tiles of every kind) stay in L2 while
  // the groups pass over them. Every element is the table's vec_dot (a property of vec_dot_tile
  // and vec_dot_tile8), whatever the split.
  // Where the table has a vec_dot_tile16 for an interleaved type, pairs of its groups take their
  // tokens 16 at a time, and the rest (fewer than 16, or a group without its pair in the range)
  // through vec_dot_tile8: the same floats either way. A single token takes the range's groups of
  // each product in one vec_dot_groups call where the table has one.
  static const size_t chunk_bytes = l2_cache_bytes() / 8 * 3;
  constexpr int64_t kTiles = std::lcm(std::lcm(kTileCols, kTile8Cols), kTile16Cols);
  const int64_t chunk =
      std::max<int64_t>(kTiles, int64_t(chunk_bytes / act_stride) / kTiles * kTiles);
  pool.parallel_for(n_groups, [&](size_t begin, size_t end, int) {
    for (int64_t t0 = 0; t0 < n_tokens; t0 += chunk) {
      const int64_t t1 = std::min(n_tokens, t0 + chunk);
      size_t i = 0;
      for (size_t g = begin; g < end; ++g) {
        while (g >= first_group[i + 1]) ++i;
        const TensorView& w = *jobs[i].w;
        const int64_t n_out = w.ne[1];
        float* y = jobs[i].y;
        if (w.rows_interleaved) {
          const int64_t r0 = int64_t(g - first_group[i]) * kInterleaveRows;
          const uint8_t* group = static_cast<const uint8_t*>(w.data) + size_t(r0) * w.nb[1];
          const VecDotTile8Fn tile = k.vec_dot_tile8[uint32_t(w.type)];
          const VecDotTile16Fn tile16 = k.vec_dot_tile16[uint32_t(w.type)];
          auto info_at = [&](int64_t t) {
            return block_info ? scratch.block_info.data() + t * (n_in / kQK8_0) : nullptr;
          };
          const VecDotGroupsFn groups = k.vec_dot_groups[uint32_t(w.type)];
          if (groups && t1 - t0 == 1) {  // decode: this product's groups of the range at once
            const size_t last = std::min(end, first_group[i + 1]);
            groups(n_in, group, size_t(kInterleaveRows) * w.nb[1], int64_t(last - g),
                   act + size_t(t0) * act_stride, info_at(t0), y + t0 * n_out + r0);
            g = last - 1;
            continue;
          }
          const bool has_pair = g + 1 < end && g + 1 < first_group[i + 1];
          int64_t t = t0;
          const bool pair = tile16 && t1 - t0 >= kTile16Cols && has_pair;
          if (pair) {
            const int nc = int((t1 - t0) / kTile16Cols * kTile16Cols);
            tile16(n_in, group, act + size_t(t) * act_stride, act_stride, info_at(t), nc,
                   y + t * n_out + r0, size_t(n_out));
            t += nc;
          }
          for (int64_t r = r0; r < r0 + (pair ? 2 : 1) * kInterleaveRows; r += kInterleaveRows) {
            const uint8_t* rows = static_cast<const uint8_t*>(w.data) + size_t(r) * w.nb[1];
            for (int64_t tt = t; tt < t1; tt += kTile8Cols) {
              const int nc = int(std::min<int64_t>(kTile8Cols, t1 - tt));
              tile(n_in, rows, act + size_t(tt) * act_stride, act_stride, info_at(tt), nc,
                   y + tt * n_out + r, size_t(n_out));
            }
          }
          if (pair) ++g;
          continue;
        }
        const int64_t r0 = int64_t(g - first_group[i]) * kTileRows;
        const int nr = int(std::min<int64_t>(kTileRows, n_out - r0));
        const uint8_t* rows = static_cast<const uint8_t*>(w.data) + size_t(r0) * w.nb[1];
        const VecDotTileFn tile = k.vec_dot_tile[uint32_t(w.type)];
        for (int64_t t = t0; t < t1; t += kTileCols) {
          const int nc = int(std::min<int64_t>(kTileCols, t1 - t));
          tile(n_in, rows, w.nb[1], nr, act + size_t(t) * act_stride, act_stride, nc,
               y + t * n_out + r0, size_t(n_out));
        }
      }
    }
  });
}

void matmul(const KernelTable& k, const TensorView& w, const float* x, int64_t n_tokens, float* y,
            ThreadPool& pool, MatmulScratch& scratch) {
  const MatmulJob job{&w, y};
  matmuls(k, {&job, 1}, x, n_tokens, pool, scratch);
}

void add_bias(float* y, const float* b, int64_t n_tokens, int64_t n) {
  for (int64_t t = 0; t < n_tokens; ++t) {
    for (int64_t i = 0; i < n; ++i) y[t * n + i] += b[i];
  }
}

}  // namespace omni::nn
