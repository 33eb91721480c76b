// Small open-addressing hash tables for the tokenizer hot paths: byte strings -> token ids, and
// token-id pairs -> merges. Built once at load time, read-only afterwards.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "tokenizers/string_store.h"

namespace omni {

inline uint64_t hash_bytes(std::string_view s) {
  uint64_t h = 0x9e3779b97f4a7c15ull ^ s.size();
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 31;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  h = (h ^ tail) * 0x94d049bb133111ebull;
  return h ^ (h >> 29);
}

// Both tables probe linearly and fill at most half of their slots, so that lookups that miss
// (most pair lookups do) stay short. Three quarters would halve them on a 151936-token
// vocabulary, but encoded about 10% slower (bench_tokenizer, o200k_base).
inline bool over_max_load(size_t n, size_t slots) {
  return n * 2 > slots;
}
// The slots (a power of two) that hold n keys.
inline size_t slots_for(size_t n) {
  size_t slots = 16;
  while (over_max_load(n, slots)) slots <<= 1;
  return slots;
}

inline uint64_t hash_u64(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Byte string -> id over the strings of a StringStore: the key of id i is keys[i], so a slot is
// just the id and 32 bits of its key's hash (8 bytes; the bytes stay in the store), and a probe
// compares bytes only where those bits match. The store must be complete before the first insert
// and outlive the table.
class StringIdTable {
 public:
  StringIdTable() = default;
  explicit StringIdTable(const StringStore* keys) : keys_(keys) {}
  void reserve(size_t n) { slots_.assign(slots_for(n), Slot{}); }
  // Adds keys[id]; returns false if that key was present (the first id is kept).
  bool insert(int32_t id) {
    if (over_max_load(size_ + 1, slots_.size())) grow();
    return insert_no_grow(id, hash_bytes((*keys_)[size_t(id)]));
  }
  int32_t find(std::string_view key) const {  // -1 if absent
    if (slots_.empty()) return -1;
    const uint64_t h = hash_bytes(key);
    const uint32_t tag = uint32_t(h >> 32);
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.id < 0) return -1;
      if (s.tag == tag && (*keys_)[size_t(s.id)] == key) return s.id;
    }
  }
  size_t size() const { return size_; }

 private:
  struct Slot {
    int32_t id = -1;
    uint32_t tag = 0;  // the high 32 bits of the key's hash
  };
  bool insert_no_grow(int32_t id, uint64_t h) {
    const std::string_view key = (*keys_)[size_t(id)];
    const uint32_t tag = uint32_t(h >> 32);
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.id < 0) {
        s = {id, tag};
        ++size_;
        return true;
      }
      if (s.tag == tag && (*keys_)[size_t(s.id)] == key) return false;
    }
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 16 : old.size() * 2, Slot{});
    size_ = 0;
    for (const Slot& s : old) {
      if (s.id >= 0) insert_no_grow(s.id, hash_bytes((*keys_)[size_t(s.id)]));
    }
  }
  const StringStore* keys_ = nullptr;
  std::vector<Slot> slots_;
  size_t size_ = 0;
};

// (left id, right id) -> (merge rank, merged id).
class PairTable {
 public:
  struct Merge {
    int32_t rank;
    int32_t id;
  };
  void reserve(size_t n) { slots_.assign(slots_for(n), Slot{}); }
  void insert(int32_t left, int32_t right, Merge m) {
    if (over_max_load(size_ + 1, slots_.size())) grow();
    insert_no_grow(key(left, right), m);
  }
  // rank -1 if the pair does not merge.
  Merge find(int32_t left, int32_t right) const {
    if (slots_.empty()) return {-1, -1};
    const uint64_t k = key(left, right);
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash_u64(k) & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.merge.rank < 0) return {-1, -1};
      if (s.key == k) return s.merge;
    }
  }
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t key = 0;
    Merge merge{-1, -1};
  };
  static uint64_t key(int32_t l, int32_t r) { return (uint64_t(uint32_t(l)) << 32) | uint32_t(r); }
  void insert_no_grow(uint64_t k, Merge m) {
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash_u64(k) & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.merge.rank < 0) {
        s = {k, m};
        ++size_;
        return;
      }
      if (s.key == k) {  // keep the lower rank
        if (m.rank < s.merge.rank) s.merge = m;
        return;
      }
    }
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 16 : old.size() * 2, Slot{});
    size_ = 0;
    for (const Slot& s : old) {
      if (s.merge.rank >= 0) insert_no_grow(s.key, s.merge);
    }
  }
  std::vector<Slot> slots_;
  size_t size_ = 0;
};

}  // namespace omni
