#include "server/multipart.h"

#include <gtest/gtest.h>

#include "engine/transcript.h"
#include "server/transcript_json.h"

namespace omni::server {
namespace {

const char* kType = "multipart/form-data; boundary=----omni42";

std::string body_of(const std::vector<std::string>& parts) {
  std::string b = "preamble is ignored\r\n";
  for (const auto& p : parts) b += "------omni42\r\n" + p + "\r\n";
  return b + "------omni42--\r\n";
}

TEST(Multipart, FieldsAndFiles) {
  const std::string wav("RIFF\0\0\r\n--not-a-boundary\x01\xff", 26);
  const std::string body = body_of({
      "Content-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1",
      "Content-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".wav\"\r\n"
      "Content-Type: audio/wav\r\n\r\n" +
          wav,
      "Content-Disposition: form-data; name=\"timestamp_granularities[]\"\r\n\r\nsegment",
      "content-disposition: form-data; name=empty\r\n\r\n",
  });
  auto parts = parse_multipart(kType, body);
  ASSERT_TRUE(parts.ok()) << parts.status().to_string();
  ASSERT_EQ(parts->size(), 4u);
  EXPECT_EQ((*parts)[0].name, "model");
  EXPECT_EQ((*parts)[0].data, "whisper-1");
  EXPECT_FALSE((*parts)[0].is_file());
  EXPECT_EQ((*parts)[1].name, "file");
  EXPECT_EQ((*parts)[1].filename, "a \"b\".wav");
  EXPECT_EQ((*parts)[1].content_type, "audio/wav");
  EXPECT_EQ((*parts)[1].data, wav);  // binary, CRLFs and dashes included
  EXPECT_EQ((*parts)[2].name, "timestamp_granularities[]");
  EXPECT_EQ((*parts)[3].name, "empty");
  EXPECT_EQ((*parts)[3].data, "");
}

TEST(Multipart, QuotedBoundaryAndNoPreamble) {
  const std::string body =
      "--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--xyz--";
  auto parts = parse_multipart("multipart/form-data; charset=utf-8; boundary=\"xyz\"", body);
  ASSERT_TRUE(parts.ok()) << parts.status().to_string();
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].data, "1");
}

TEST(Multipart, MalformedBodiesAreErrors) {
  const std::string good = body_of({"Content-Disposition: form-data; name=\"a\"\r\n\r\nvalue"});
  EXPECT_FALSE(parse_multipart("application/json", good).ok());
  EXPECT_FALSE(parse_multipart("multipart/form-data", good).ok());
  EXPECT_FALSE(parse_multipart(kType, "").ok());
  EXPECT_FALSE(parse_multipart(kType, "no boundary anywhere").ok());
  // Every truncation of a valid body is an error, never a crash or a silently shorter part.
  for (size_t n = 0; n + 4 < good.size(); ++n) {
    auto r = parse_multipart(kType, std::string_view(good).substr(0, n));
    if (r.ok()) {
      for (const auto& p : *r) EXPECT_EQ(p.data, "value") << n;
    }
  }
  auto truncated = parse_multipart(kType, good.substr(0, good.find("value") + 3));
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.status().message().find("truncated"), std::string::npos);
  EXPECT_FALSE(parse_multipart(kType, body_of({"Content-Type: text/plain\r\n\r\nx"})).ok());
  EXPECT_FALSE(parse_multipart(kType, body_of({"Content-Disposition: form-data\r\n\r\nx"})).ok());
  EXPECT_FALSE(parse_multipart(kType, body_of({"no colon\r\n\r\nx"})).ok());
  std::vector<std::string> many(300, "Content-Disposition: form-data; name=\"a\"\r\n\r\nx");
  EXPECT_FALSE(parse_multipart(kType, body_of(many)).ok());
}

TEST(Transcript, SubtitlesAndJson) {
  Transcript t;
  t.language = "en";
  t.duration = 3661.5;
  t.text = " Hello. World.";
  t.segments.push_back({0, 0, 0.0, 2.5, " Hello.", {1, 2}, 0.0, -0.25, 1.1, 0.01});
  t.segments.push_back({1, 250, 3600.25, 3661.5, " World.", {3}, 0.2, -0.5, 1.2, 0.02});
  EXPECT_EQ(to_srt(t),
            "1\n00:00:00,000 --> 00:00:02,500\nHello.\n\n"
            "2\n01:00:00,250 --> 01:01:01,500\nWorld.\n\n");
  EXPECT_EQ(to_vtt(t),
            "WEBVTT\n\n00:00:00.000 --> 00:00:02.500\nHello.\n\n"
            "01:00:00.250 --> 01:01:01.500\nWorld.\n\n");
  EXPECT_EQ(transcript_json(t),
            R"({"text":" Hello. World.","usage":{"type":"duration","seconds":3662}})");
  const std::string v = transcript_verbose_json(t);
  EXPECT_EQ(
      v.rfind(
          R"({"task":"transcribe","language":"en","duration":3661.5,"text":" Hello. World.","segments":[{"id":0,"seek":0,"start":0.0,"end":2.5,"text":" Hello.","tokens":[1,2],)",
          0),
      0u)
      << v;
}

}  // namespace
}  // namespace omni::server
