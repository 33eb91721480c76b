// StringStore and the tokenizer's hash tables: every key found with its id, absent keys (prefixes,
// extensions, other bytes) not found, the first id kept for a duplicate key, past many growths.
#include "tokenizers/hash_tables.h"

#include <gtest/gtest.h>

#include <string>

#include "tokenizers/string_store.h"

namespace omni {
namespace {

TEST(StringStore, KeepsEveryStringInOrder) {
  StringStore store;
  const std::string with_nul("a\0b", 3);
  store.push_back("hello");
  store.push_back("");
  store.push_back(with_nul);
  store.push_back("world");
  store.shrink_to_fit();
  ASSERT_EQ(store.size(), 4u);
  EXPECT_EQ(store[0], "hello");
  EXPECT_EQ(store[1], "");
  EXPECT_EQ(store[2], with_nul);
  EXPECT_EQ(store[3], "world");
  EXPECT_EQ(store.bytes(), 13u);
}

TEST(StringIdTable, FindsEachKeyOfItsStore) {
  StringStore keys;
  const int n = 5000;
  for (int i = 0; i < n; ++i) keys.push_back("tok" + std::to_string(i));
  keys.push_back("tok17");  // a duplicate of id 17
  keys.push_back("");       // the empty string is a key like any other
  StringIdTable table(&keys);
  table.reserve(10);  // grows many times on the way
  for (int i = 0; i < n; ++i) ASSERT_TRUE(table.insert(i)) << i;
  EXPECT_FALSE(table.insert(n));  // "tok17" again: the first id stays
  EXPECT_TRUE(table.insert(n + 1));
  EXPECT_EQ(table.size(), size_t(n + 1));
  for (int i = 0; i < n; ++i) ASSERT_EQ(table.find("tok" + std::to_string(i)), i) << i;
  EXPECT_EQ(table.find("tok17"), 17);
  EXPECT_EQ(table.find(""), n + 1);
  EXPECT_EQ(table.find("tok"), -1);
  EXPECT_EQ(table.find("tok50000"), -1);
  EXPECT_EQ(table.find("tok1 "), -1);
  EXPECT_EQ(table.find(std::string("tok1\0", 5)), -1);
}

TEST(StringIdTable, EmptyTableFindsNothing) {
  const StringIdTable table;
  EXPECT_EQ(table.find("x"), -1);
  EXPECT_EQ(table.find(""), -1);
}

TEST(PairTable, KeepsTheLowestRankOfAPair) {
  PairTable pairs;
  pairs.reserve(4);
  for (int32_t i = 0; i < 3000; ++i) pairs.insert(i, i + 1, {i, 100000 + i});
  pairs.insert(5, 6, {1, 7});      // a lower rank wins
  pairs.insert(7, 8, {9000, 70});  // a higher one does not
  EXPECT_EQ(pairs.size(), 3000u);
  EXPECT_EQ(pairs.find(5, 6).rank, 1);
  EXPECT_EQ(pairs.find(5, 6).id, 7);
  EXPECT_EQ(pairs.find(7, 8).rank, 7);
  EXPECT_EQ(pairs.find(7, 8).id, 100007);
  EXPECT_EQ(pairs.find(2999, 3000).id, 102999);
  EXPECT_EQ(pairs.find(6, 5).rank, -1);
  EXPECT_EQ(pairs.find(3000, 3001).rank, -1);
}

}  // namespace
}  // namespace omni
