// Unit tests of the chat-template interpreter. Expected outputs are what python3-jinja2 renders
// in the Hugging Face environment (trim_blocks, lstrip_blocks, sandbox); the reference test
// (tests/reference/render_chat_templates.py) checks whole chat templates the same way.
#include <gtest/gtest.h>

#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tokenizers/jinja/chat_template.h"
#include "tokenizers/jinja/template.h"
#include "tokenizers/jinja/value.h"

namespace omni::jinja {
namespace {

using nlohmann::ordered_json;

std::tm fixed_time() {
  std::tm tm{};
  tm.tm_year = 2024 - 1900;
  tm.tm_mon = 6;
  tm.tm_mday = 26;
  tm.tm_hour = 10;
  tm.tm_min = 30;
  tm.tm_wday = 5;
  tm.tm_yday = 207;
  return tm;
}

StatusOr<std::string> render(std::string_view source, std::string_view context_json = "{}",
                             RenderOptions options = {}) {
  OMNI_ASSIGN_OR_RETURN(Template t, Template::parse(source));
  if (!options.now) options.now = fixed_time();
  return t.render(Value::from_json(ordered_json::parse(context_json)), options);
}

// Renders and expects failure; returns the error.
Status fails(std::string_view source, std::string_view context_json = "{}",
             RenderOptions options = {}) {
  StatusOr<std::string> r = render(source, context_json, options);
  EXPECT_FALSE(r.ok()) << source << "\nrendered: " << (r.ok() ? *r : "");
  return r.ok() ? Status::Ok() : r.status();
}

struct Case {
  const char* source;
  const char* context;
  const char* expected;
};

// Each case: template, context (JSON), and Jinja2's output.
const Case kCases[] = {
    // whitespace control
    {R"J({% if true %}
yes
{% endif %}
after)J",
     R"J({})J", R"J(yes
after)J"},
    {R"J(a
    {% if true %}
    b
    {% endif %}
c)J",
     R"J({})J", R"J(a
    b
c)J"},
    {R"J(a   {{- ' x ' -}}   b)J", R"J({})J", R"J(a x b)J"},
    {R"J(x
    {%+ if true %}y{% endif %})J",
     R"J({})J", R"J(x
    y)J"},
    {R"J({% if true +%}
kept{% endif %})J",
     R"J({})J", R"J(
kept)J"},
    {R"J(a
  {# comment #}
b)J",
     R"J({})J", R"J(a
b)J"},
    {R"J(a
    {{ 'x' }})J",
     R"J({})J", R"J(a
    x)J"},
    {"abc\n", "{}", "abc"},
    {"abc\n\n", "{}", "abc\n"},
    {"a\r\n{% if true %}\r\nb\r\n{% endif %}\r\nc", "{}", "a\nb\nc"},
    {R"J({% raw %}{{ x }}{% endraw %})J", R"J({})J", R"J({{ x }})J"},
    // literals and printing
    {R"J({{ 'it\'s' }}|{{ "a" 'b' }}|{{ '\x41\u00e9\n' }}|{{ 'a\qb' }})J", R"J({})J",
     "it's|ab|A\xc3\xa9\n|a\\qb"},
    {R"J({{ 0x1F }} {{ 1_000 }} {{ 1e3 }} {{ 0b101 }} {{ 1.5e-7 }})J", R"J({})J",
     R"J(31 1000 1000.0 5 1.5e-07)J"},
    {R"J({{ [1, 'a', none, true, 1.0, {'k': 'v'}, (1,)] }})J", R"J({})J",
     R"J([1, 'a', None, True, 1.0, {'k': 'v'}, (1,)])J"},
    {R"J({{ ["it's", 'say "hi"', 'tab\t'] }})J", R"J({})J", R"J(["it's", 'say "hi"', 'tab\t'])J"},
    {R"J({{ [0.1, 1e16, 1e15, 1e-5, 0.0001, -0.0, 1/3] }})J", R"J({})J",
     R"J([0.1, 1e+16, 1000000000000000.0, 1e-05, 0.0001, -0.0, 0.3333333333333333])J"},
    {R"J({{ 1, 'two' }})J", R"J({})J", R"J((1, 'two'))J"},
    // arithmetic and precedence
    {R"J({{ 7 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 2 ** -1 }})J",
     R"J({})J", R"J(3.5 3 -4 2 1024 0.5)J"},
    {R"J({{ -2 ** 2 }} {{ 2 ** 3 ** 2 }} {{ 2 + 3 * 4 }} {{ (1 + 2) ~ 3 }})J", R"J({})J",
     R"J(4 64 14 33)J"},
    {R"J({{ 'ab' * 2 }} {{ [1] + [2] }} {{ 'a' ~ none ~ 1 ~ nope }})J", R"J({})J",
     R"J(abab [1, 2] aNone1)J"},
    {R"J({{ 1 == 1.0 }} {{ [1] == (1,) }} {{ 1 < 2 < 3 }} {{ 'b' in 'abc' }} {{ 3 not in [1] }})J",
     R"J({})J", R"J(True False True True True)J"},
    {R"J({{ 0 or 'x' }} {{ 'a' and 'b' }} {{ 1 if 0 else 2 }} [{{ 'y' if false }}])J", R"J({})J",
     R"J(x b 2 [])J"},
    // access
    {R"J({{ u.name }} {{ u['age'] }} {{ l[-1] }} {{ l.0 }} [{{ u.missing }}] [{{ l[9] }}])J",
     R"J({"u": {"name": "Ann", "age": 31}, "l": [1, 2]})J", R"J(Ann 31 2 1 [] [])J"},
    {R"J({{ l[1:] }} {{ l[::-1] }} {{ s[2:4] }} {{ s[::-1] }})J",
     R"J({"l": [1, 2, 3], "s": "안녕하세요"})J", R"J([2, 3] [3, 2, 1] 하세 요세하녕안)J"},
    {R"J({{ d.items is string }} {{ d['items'] }})J", R"J({"d": {"items": "x"}})J", R"J(False x)J"},
    {R"J({{ none.foo is defined }} {{ n.real }})J", R"J({"n": 5})J", R"J(False 5)J"},
    // undefined
    {R"J([{{ nope }}] {{ nope is defined }} {{ nope|length }} {{ nope|default('d') }})J", R"J({})J",
     R"J([] False 0 d)J"},
    {R"J({% for x in nope %}x{% else %}empty{% endfor %} {{ 'k' in nope }})J", R"J({})J",
     R"J(empty False)J"},
    // tests
    {R"J({{ 3 is odd }} {{ 9 is divisibleby 3 }} {{ 1 is true }} {{ true is boolean }} {{ 1 is integer }})J",
     R"J({})J", R"J(True True False True True)J"},
    {R"J({{ 'a' is string }} {{ {} is mapping }} {{ 'a' is sequence }} {{ nope is iterable }} {{ 1.0 is float }})J",
     R"J({})J", R"J(True True True True True)J"},
    {R"J({{ x is none }} {{ x is not none }} {{ 1 is eq 1.0 }} {{ 'a' is in 'abc' }})J",
     R"J({"x": null})J", R"J(True False True True)J"},
    // filters
    {R"J({{ v|tojson }})J", R"J({"v": {"b": 1, "a": [1.5, null, true, "é\"\n"]}})J",
     "{\"b\": 1, \"a\": [1.5, null, true, \"\xc3\xa9\\\"\\n\"]}"},
    {R"J({{ v|tojson(indent=2) }})J", R"J({"v": {"a": [1, {}], "b": []}})J",
     "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": []\n}"},
    {R"J({{ v|tojson(sort_keys=true, separators=(',', ':')) }})J", R"J({"v": {"b": 1, "a": 2}})J",
     R"J({"a":2,"b":1})J"},
    {R"J([{{ '  x \n'|trim }}] {{ s|upper }} {{ s|title }} {{ 'hELLO'|capitalize }})J",
     R"J({"s": "hello world"})J", R"J([x] HELLO WORLD Hello World Hello)J"},
    {R"J({{ l|join(', ') }} {{ l|first }} {{ l|last }} {{ l|length }} {{ l|sort|list }} {{ l|reverse|list }})J",
     R"J({"l": [3, 1, 2]})J", R"J(3, 1, 2 3 2 3 [1, 2, 3] [2, 1, 3])J"},
    {R"J({{ m|selectattr('role', 'equalto', 'user')|map(attribute='c')|join }} {{ m|rejectattr('role', 'eq', 'user')|list|length }})J",
     R"J({"m": [{"role": "user", "c": "a"}, {"role": "bot", "c": "b"}, {"role": "user", "c": "c"}]})J",
     R"J(ac 1)J"},
    {R"J({% if []|select %}generator is truthy{% endif %})J", R"J({})J",
     R"J(generator is truthy)J"},
    {R"J({{ ''|default('d') }} {{ ''|default('d', true) }} {{ 0|d(5, boolean=true) }})J", R"J({})J",
     R"J( d 5)J"},
    {R"J({{ 'line one\nline two\n\nx'|indent(2) }})J", R"J({})J", "line one\n  line two\n\n  x"},
    {R"J({{ d|dictsort }} {{ 'a-b c'|replace('-', '+') }} {{ '42'|int + 1 }} {{ '1.5'|float }} {{ 2.5|round }})J",
     R"J({"d": {"b": 1, "A": 2}})J", R"J([('A', 2), ('b', 1)] a+b c 43 1.5 2.0)J"},
    {R"J({{ '%s-%03d' % ('a', 7) }} {{ '{}:{:>4}'.format('k', 5) }} {{ '%.2f'|format(3.14159) }})J",
     R"J({})J", R"J(a-007 k:   5 3.14)J"},
    // methods
    {R"J({{ ' a b '.strip() }}|{{ 'a,b'.split(',') }}|{{ s.startswith('he') }}|{{ s.replace('l', 'L') }}|{{ d.get('x', 0) }})J",
     R"J({"s": "hello", "d": {}})J", R"J(a b|['a', 'b']|True|heLLo|0)J"},
    {R"J({{ c.split('</think>')[-1].lstrip('\n') }})J",
     R"J({"c": "<think>\nhmm\n</think>\n\nanswer"})J", R"J(answer)J"},
    // loops
    {R"J({% for x in l %}{{ loop.index }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex0 }};{% endfor %})J",
     R"J({"l": ["a", "b"]})J", R"J(1TrueFalse21;2FalseTrue20;)J"},
    {R"J({% for x in l %}[{{ loop.previtem }}|{{ loop.nextitem }}]{{ loop.cycle('o', 'e') }}{% endfor %})J",
     R"J({"l": [1, 2, 3]})J", R"J([|2]o[1|3]e[2|]o)J"},
    {R"J({% for x in l if x > 1 %}{{ loop.index }}/{{ loop.length }} {% endfor %})J",
     R"J({"l": [1, 2, 3]})J", R"J(1/2 2/2 )J"},
    {R"J({% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %})J", R"J({"d": {"z": 1, "a": 2}})J",
     R"J(z=1;a=2;)J"},
    {R"J({% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 4 %}{% break %}{% endif %}{{ i }}{% endfor %})J",
     R"J({})J", R"J(013)J"},
    // scoping
    {R"J({% set x = 'o' %}{% for i in [1, 2] %}[{{ x }}]{% set x = i %}{% endfor %}{{ x }})J",
     R"J({})J", R"J([o][o]o)J"},
    {R"J({% for i in [1, 2] %}{% if i == 1 %}{% set y = 's' %}{% endif %}[{{ y }}]{% endfor %})J",
     R"J({})J", R"J([s][])J"},
    {R"J({% set ns = namespace(n=0) %}{% for i in [1, 2, 3] %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }} {{ ns }})J",
     R"J({})J", R"J(6 <Namespace {'n': 6}>)J"},
    {R"J({% set x %}a{{ 1 }}{% endset %}{% set y | upper %}b{% endset %}{{ x }}{{ y }})J",
     R"J({})J", R"J(a1B)J"},
    {R"J({% with a = 1 %}{{ a }}{% endwith %}[{{ a }}])J", R"J({})J", R"J(1[])J"},
    {R"J({% filter upper %}abc{% endfilter %})J", R"J({})J", R"J(ABC)J"},
    // macros
    {R"J({% macro g(n, s='Hi') %}{{ s }} {{ n }}{% endmacro %}{{ g('A') }}|{{ g('B', s='Yo') }}|[{{ g() }}])J",
     R"J({})J", R"J(Hi A|Yo B|[Hi ])J"},
    {R"J({% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, k=3) }})J",
     R"J({})J", R"J(1(2,){'k': 3})J"},
    {R"J({% macro w() %}<{{ caller() }}>{% endmacro %}{% call w() %}in{% endcall %})J", R"J({})J",
     R"J(<in>)J"},
    {R"J({% macro f(n) %}{% if n <= 1 %}1{% else %}{{ n * f(n - 1)|int }}{% endif %}{% endmacro %}{{ f(5) }})J",
     R"J({})J", R"J(120)J"},
    {R"J({% macro m() %}{{ x }}{% endmacro %}[{{ m() }}]{% set x = 1 %}[{{ m() }}])J", R"J({})J",
     R"J([][1])J"},
    // globals
    {R"J({{ strftime_now('%d %b %Y') }} {{ range(3)|list }} {{ dict(a=1) }})J", R"J({})J",
     R"J(26 Jul 2024 [0, 1, 2] {'a': 1})J"},
};

TEST(JinjaLanguage, MatchesJinja2) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.source);
    StatusOr<std::string> r = render(c.source, c.context);
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    EXPECT_EQ(*r, c.expected);
  }
}

TEST(JinjaValue, FromJsonKeepsKeyOrderAndTypes) {
  const Value v = Value::from_json(
      ordered_json::parse(R"({"z": 1, "a": [true, null, 2.5, "s"], "big": 18446744073709551615})"));
  ASSERT_TRUE(v.is_dict());
  ASSERT_EQ(v.pairs().size(), 3u);
  EXPECT_EQ(v.pairs()[0].first.str(), "z");
  EXPECT_EQ(repr(v), "{'z': 1, 'a': [True, None, 2.5, 's'], 'big': 18446744073709551615}");
  const Value* a = v.find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->items()[0].is_bool());
  EXPECT_TRUE(a->items()[1].is_none());
  EXPECT_TRUE(a->items()[2].is_float());
  EXPECT_TRUE(v.find("big")->is_big_int());
}

TEST(JinjaValue, PythonFloatAndStringRepr) {
  EXPECT_EQ(float_repr(2.0), "2.0");
  EXPECT_EQ(float_repr(1e16), "1e+16");
  EXPECT_EQ(float_repr(1e-5), "1e-05");
  EXPECT_EQ(float_repr(123456789012345678.0), "1.2345678901234568e+17");
  EXPECT_EQ(float_repr(-0.0), "-0.0");
  EXPECT_EQ(string_repr("it's"), "\"it's\"");
  EXPECT_EQ(string_repr("a\x01\xc2\xa0"), "'a\\x01\\xa0'");
}

TEST(JinjaUndefined, UsingUndefinedFailsWhereJinjaFails) {
  EXPECT_NE(fails("{{ nope.attr }}").message().find("'nope' is undefined"), std::string::npos);
  EXPECT_NE(fails("{{ d.a.b }}", R"({"d": {}})").message().find("has no attribute 'a'"),
            std::string::npos);
  EXPECT_FALSE(fails("{{ nope + 1 }}").ok());
  EXPECT_FALSE(fails("{{ nope() }}").ok());
  EXPECT_FALSE(fails("{{ nope|int }}").ok());
  EXPECT_FALSE(fails("{{ nope|tojson }}").ok());
  EXPECT_FALSE(fails("{{ messages[0]['role'] }}", R"({"messages": []})").ok());
}

TEST(JinjaErrors, NameTheLineAndColumn) {
  const Status s = fails("line one\n{{ 1 + }}");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("line 2:8"), std::string::npos) << s.message();
  const Status r =
      fails("{% if true %}\n  {{ raise_exception('roles must alternate') }}\n{% endif %}");
  EXPECT_NE(r.message().find("line 2:"), std::string::npos) << r.message();
  EXPECT_NE(r.message().find("roles must alternate"), std::string::npos) << r.message();
  const Status u = fails("{{ 'a' }}\n{{ x.y }}");
  EXPECT_NE(u.message().find("line 2:"), std::string::npos) << u.message();
}

TEST(JinjaErrors, UnsupportedConstructsAreNamed) {
  struct Unsupported {
    const char* source;
    const char* names;
  };
  const Unsupported cases[] = {
      {"{% include 'x.jinja' %}", "'{% include %}' is not supported"},
      {"{% extends 'base.jinja' %}", "'{% extends %}' is not supported"},
      {"{% import 'm.jinja' as m %}", "'{% import %}' is not supported"},
      {"{% from 'm.jinja' import x %}", "'{% from %}' is not supported"},
      {"{% block b %}x{% endblock %}", "'{% block %}' is not supported"},
      {"{% for x in [1] recursive %}{{ x }}{% endfor %}", "recursive for loops are not supported"},
      {"{{ [1]|pprint }}", "the filter 'pprint' is not supported"},
      {"{{ [1, 2]|batch(1)|list }}", "the filter 'batch' is not supported"},
      {"{{ cycler(1, 2) }}", "'cycler' is not supported"},
      {"{{ 'x'.encode() }}", "str.encode() is not supported"},
      {"{{ b + 1 }}", "integers beyond 64 bits"},
  };
  for (const Unsupported& c : cases) {
    SCOPED_TRACE(c.source);
    const Status s = fails(c.source, R"({"b": 18446744073709551615})");
    EXPECT_EQ(s.code(), StatusCode::kUnsupported) << s.to_string();
    EXPECT_NE(s.message().find(c.names), std::string::npos) << s.message();
    EXPECT_EQ(s.message().rfind("line 1:", 0), 0u) << s.message();
  }
}

TEST(JinjaErrors, SyntaxErrors) {
  for (const char* src :
       {"{% if true %}x", "{% frobnicate %}", "{{ 1 + }}", "{{ x ", "{# x ", "{{ (1 }}",
        "{{ 'abc }}", "{% break %}", "{% set true = 1 %}", "{{ 1 @ 2 }}", "{{ x|nosuchfilter }}",
        "{{ x is nosuchtest }}", "{% for x in l %}{% endif %}",
        "{% macro m(a=1, b) %}{% endmacro %}", "{{ '\\N{BULLET}' }}", "\xff\xfe"}) {
    SCOPED_TRACE(src);
    StatusOr<Template> t = Template::parse(src);
    EXPECT_FALSE(t.ok());
  }
}

TEST(JinjaLimits, HostileTemplatesFailCleanly) {
  RenderOptions small;
  small.max_output_bytes = 1000;
  EXPECT_NE(fails("{% for i in range(2000) %}x{% endfor %}", "{}", small).message().find("output"),
            std::string::npos);
  EXPECT_NE(fails("{{ 'x' * 100000000000 }}").message().find("limit"), std::string::npos);
  EXPECT_NE(fails("{{ range(1000000) }}").message().find("MAX_RANGE"), std::string::npos);
  RenderOptions few;
  few.max_loop_iterations = 5000;
  EXPECT_NE(
      fails("{% for i in range(100) %}{% for j in range(100) %}{% endfor %}{% endfor %}", "{}", few)
          .message()
          .find("loop iterations"),
      std::string::npos);
  EXPECT_NE(fails("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}").message().find("nest"),
            std::string::npos);
  // Deep recursion through nested expressions stops at the evaluation depth limit.
  RenderOptions deep_calls;
  deep_calls.max_call_depth = 100000;
  const std::string parens(40, '(');
  const std::string closing(40, ')');
  EXPECT_NE(
      fails("{% macro f(n) %}{{ " + parens + "f(n + 1)" + closing + " }}{% endmacro %}{{ f(0) }}",
            "{}", deep_calls)
          .message()
          .find("too deeply"),
      std::string::npos);
  // A namespace that holds itself and a macro stored in its own scope render and are freed.
  EXPECT_TRUE(render("{% set ns = namespace() %}{% set ns.me = ns %}{% macro m() %}{% endmacro %}"
                     "{% set ns.m = m %}{{ ns.m() }}")
                  .ok());
  // Structures nested in a loop hit the value depth limit instead of recursing without bound when
  // printed or freed; a namespace chain is freed iteratively.
  EXPECT_NE(fails("{% set ns = namespace(x=[]) %}{% for i in range(5000) %}{% set ns.x = [ns.x] %}"
                  "{% endfor %}")
                .message()
                .find("nests deeper"),
            std::string::npos);
  EXPECT_NE(fails("{% set ns = namespace(x=1) %}{% for i in range(5000) %}"
                  "{% set ns.x = dict(a=ns.x) %}{% endfor %}")
                .message()
                .find("nests deeper"),
            std::string::npos);
  StatusOr<std::string> chain = render(
      "{% set ns = namespace(head=none) %}{% for i in range(20000) %}"
      "{% set ns.head = namespace(next=ns.head) %}{% endfor %}{{ ns.head|string|length > 0 }}");
  EXPECT_TRUE(chain.ok()) << chain.status().to_string();
  std::string deep_json = std::string(3000, '[') + std::string(3000, ']');
  // JSON input deeper than the value depth limit: the excess is undefined (printing stops at the
  // limit; serializing it fails).
  EXPECT_TRUE(render("{{ x|length }}{{ x }}", R"({"x": )" + deep_json + "}").ok());
  EXPECT_FALSE(render("{{ x|tojson }}", R"({"x": )" + deep_json + "}").ok());
  // Doubling a namespace string each iteration hits the size limit, not memory exhaustion.
  EXPECT_FALSE(render("{% set ns = namespace(s='x') %}{% for i in range(100) %}"
                      "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}")
                   .ok());
  const std::string deep = std::string(5000, '(') + "1" + std::string(5000, ')');
  EXPECT_FALSE(Template::parse("{{ " + deep + " }}").ok());
  std::string nested;
  for (int i = 0; i < 500; ++i) nested += "{% if true %}";
  for (int i = 0; i < 500; ++i) nested += "{% endif %}";
  EXPECT_FALSE(Template::parse(nested).ok());
  EXPECT_FALSE(Template::parse("{{ " + std::string(5000, '-') + "1 }}").ok());
  EXPECT_FALSE(
      Template::parse("{{ " + std::string(5000, '[') + std::string(5000, ']') + " }}").ok());
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> template_files() {
  std::vector<std::string> out;
  if (DIR* dir = opendir(OMNI_CHAT_TEMPLATES)) {
    while (dirent* e = readdir(dir)) {
      const std::string name = e->d_name;
      if (name.size() > 6 && name.substr(name.size() - 6) == ".jinja")
        out.push_back(std::string(OMNI_CHAT_TEMPLATES) + "/" + name);
    }
    closedir(dir);
  }
  return out;
}

TEST(JinjaLimits, MutatedChatTemplatesNeverCrash) {
  // Real templates with random cuts, duplications and byte changes: parse and render return.
  const Value context = Value::from_json(ordered_json::parse(R"({
    "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"},
                 {"role": "assistant", "content": "a", "tool_calls": [{"id": "call12345",
                  "function": {"name": "f", "arguments": {"x": 1}}}]},
                 {"role": "tool", "content": "r"}],
    "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object",
              "properties": {"x": {"type": "integer"}}}}}],
    "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>"})"));
  uint64_t state = 987654321;
  auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(state >> 33);
  };
  int rendered = 0;
  for (const std::string& path : template_files()) {
    const std::string original = read_file(path);
    for (int iter = 0; iter < 150; ++iter) {
      std::string src = original;
      for (int m = 1 + next() % 4; m > 0 && !src.empty(); --m) {
        const size_t at = next() % src.size();
        const size_t len = std::min<size_t>(1 + next() % 12, src.size() - at);
        switch (next() % 3) {
          case 0:
            src.erase(at, len);
            break;
          case 1:
            src.insert(next() % src.size(), src.substr(at, len));
            break;
          default:
            src[at] = static_cast<char>(next() % 128);
        }
      }
      StatusOr<Template> t = Template::parse(src);
      if (!t.ok()) continue;
      RenderOptions o;
      o.max_loop_iterations = 20000;
      o.max_output_bytes = 1 << 18;
      rendered += t->render(context, o).ok();
    }
  }
  EXPECT_GT(rendered, 0);
}

TEST(JinjaLimits, RandomInputNeverCrashes) {
  // Fragments of real templates shuffled into random sources: every parse and render must return
  // (a result or an error), never crash or hang.
  const char* pieces[] = {"{{",       "}}",
                          "{%",       "%}",
                          "{#",       "#}",
                          "-",        "+",
                          "if",       "for",
                          "in",       "endif",
                          "endfor",   "set",
                          "x",        "=",
                          "'s'",      "1",
                          "(",        ")",
                          "[",        "]",
                          "{",        "}",
                          "|",        "trim",
                          ".",        ",",
                          "~",        "*",
                          "**",       "macro",
                          "m()",      "is",
                          "not",      "defined",
                          "else",     "loop",
                          "ns.a",     "range(9)",
                          "\n",       " ",
                          "\"",       "\\",
                          "endmacro", "namespace(a=1)",
                          ":",        "%"};
  uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(state >> 33);
  };
  int parsed = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string src;
    const int n = 1 + next() % 40;
    for (int k = 0; k < n; ++k) src += pieces[next() % (sizeof(pieces) / sizeof(pieces[0]))];
    StatusOr<Template> t = Template::parse(src);
    if (!t.ok()) continue;
    ++parsed;
    RenderOptions o;
    o.max_loop_iterations = 10000;
    o.max_output_bytes = 1 << 16;
    (void)t->render(Value::from_json(ordered_json::parse(R"({"x": [1, "a"], "l": [1]})")), o);
  }
  EXPECT_GT(parsed, 0);
}

TEST(JinjaChatTemplates, EveryTemplateFileParses) {
  const std::vector<std::string> files = template_files();
  EXPECT_GE(files.size(), 8u);
  for (const std::string& path : files) {
    SCOPED_TRACE(path);
    StatusOr<Template> t = Template::parse(read_file(path));
    EXPECT_TRUE(t.ok()) << t.status().to_string();
  }
}

ChatTemplateInputs weather_chat() {
  ChatTemplateInputs in;
  in.messages = ordered_json::parse(R"([
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Weather in Seoul?"},
    {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function":
      {"name": "get_weather", "arguments": {"city": "Seoul"}}}]},
    {"role": "tool", "content": "21 C"}])");
  in.tools = ordered_json::parse(R"([{"type": "function", "function": {"name": "get_weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}])");
  in.add_generation_prompt = true;
  in.eos_token = "<|im_end|>";
  return in;
}

TEST(JinjaChatTemplates, RendersQwen25WithTools) {
  StatusOr<Template> t =
      Template::parse(read_file(std::string(OMNI_CHAT_TEMPLATES) + "/qwen2.5.jinja"));
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  StatusOr<std::string> r = render_chat(*t, weather_chat());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(*r,
            "<|im_start|>system\nBe brief.\n\n# Tools\n\nYou may call one or more functions to "
            "assist with the user query.\n\nYou are provided with function signatures within "
            "<tools></tools> XML tags:\n<tools>\n{\"type\": \"function\", \"function\": {\"name\": "
            "\"get_weather\", \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": "
            "{\"type\": \"string\"}}}}}\n</tools>\n\nFor each function call, return a json object "
            "with function name and arguments within <tool_call></tool_call> XML tags:\n"
            "<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n"
            "</tool_call><|im_end|>\n<|im_start|>user\nWeather in Seoul?<|im_end|>\n"
            "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": "
            "{\"city\": \"Seoul\"}}\n</tool_call><|im_end|>\n<|im_start|>user\n<tool_response>\n"
            "21 C\n</tool_response><|im_end|>\n<|im_start|>assistant\n");
}

TEST(JinjaChatTemplates, Qwen3ThinkingSwitchAndReservedNames) {
  StatusOr<Template> t =
      Template::parse(read_file(std::string(OMNI_CHAT_TEMPLATES) + "/qwen3.jinja"));
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  ChatTemplateInputs in;
  in.messages = ordered_json::parse(R"([{"role": "user", "content": "Hi"}])");
  in.add_generation_prompt = true;
  in.extra = {{"enable_thinking", false}};
  StatusOr<std::string> r = render_chat(*t, in);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(*r, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
  in.extra = {{"messages", 1}};
  EXPECT_FALSE(render_chat(*t, in).ok());
}

TEST(JinjaChatTemplates, OneTemplateRendersConcurrently) {
  StatusOr<Template> t =
      Template::parse(read_file(std::string(OMNI_CHAT_TEMPLATES) + "/qwen2.5.jinja"));
  ASSERT_TRUE(t.ok());
  const ChatTemplateInputs in = weather_chat();
  StatusOr<std::string> expected = render_chat(*t, in);
  ASSERT_TRUE(expected.ok());
  std::vector<std::thread> threads;
  std::vector<int> same(8, 0);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < 50; ++k) {
        StatusOr<std::string> r = render_chat(*t, in);
        same[i] += r.ok() && *r == *expected;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int n : same) EXPECT_EQ(n, 50);
}

}  // namespace
}  // namespace omni::jinja
