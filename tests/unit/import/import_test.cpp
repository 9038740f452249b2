// poolsim_import: the escapes of xml_spaces.ml, the S-expressions of sets and maps, the XML reader's positions
// and refusals, and the mapping of small databases (docs/importing.md).
#include <gtest/gtest.h>

#include <string>

#include "poolsim/import/import.hpp"
#include "poolsim/import/xapi_db.hpp"
#include "poolsim/import/xml.hpp"

namespace poolsim::import {
namespace {

TEST(Escapes, UnprotectCurrentAndLegacy) {
  EXPECT_EQ(unprotect_spaces("web%.server"), "web server");
  EXPECT_EQ(unprotect_spaces("a%tb%nc%rd"), "a\tb\nc\rd");
  EXPECT_EQ(unprotect_spaces("100%%"), "100%");
  EXPECT_EQ(unprotect_spaces("two%_spaces"), "two  spaces");  // CA-268761
  EXPECT_EQ(unprotect_spaces("50%x"), "50%x");                 // not an escape: kept
  EXPECT_EQ(unprotect_spaces("end%"), "end%");
  EXPECT_EQ(unprotect_spaces("%%."), "%.");                    // "%%" first, then a plain '.'
}

TEST(Escapes, ProtectRoundTrips) {
  for (const std::string s : {"a b", "tab\there", "x%y", "%.", "line\nbreak\r", ""}) {
    EXPECT_EQ(unprotect_spaces(protect_spaces(s)), s) << s;
  }
  EXPECT_EQ(protect_spaces("a b%"), "a%.b%%");
}

TEST(SExpr, SetsAndMaps) {
  std::string error;
  const auto set = parse_set("('OpaqueRef:a' \"OpaqueRef:b\")", error);
  ASSERT_TRUE(set) << error;
  EXPECT_EQ(*set, (std::vector<std::string>{"OpaqueRef:a", "OpaqueRef:b"}));
  EXPECT_TRUE(parse_set("", error)->empty());
  EXPECT_TRUE(parse_set("()", error)->empty());
  const auto map = parse_map("(('timeout' '45') ('k\\'q' 'v\\\\w'))", error);
  ASSERT_TRUE(map) << error;
  ASSERT_EQ(map->size(), 2u);
  EXPECT_EQ((*map)[0], (std::pair<std::string, std::string>{"timeout", "45"}));
  EXPECT_EQ((*map)[1], (std::pair<std::string, std::string>{"k'q", "v\\w"}));
}

TEST(SExpr, RefusesMalformed) {
  std::string error;
  EXPECT_FALSE(parse_map("(('a' 'b')", error));
  EXPECT_NE(error.find("')' is missing"), std::string::npos) << error;
  EXPECT_FALSE(parse_map("(('a' 'b", error));
  EXPECT_FALSE(parse_map("(('a'))", error));
  EXPECT_FALSE(parse_map("word", error));
  EXPECT_FALSE(parse_set("(('a' 'b'))", error));
  EXPECT_FALSE(parse_set("('a') ('b')", error));
  EXPECT_FALSE(parse_sexpr(std::string(100, '('), error));  // depth bound, no stack overflow
}

TEST(Xml, PositionsEntitiesAndNormalisation) {
  const XmlParseResult r = parse_xml("<?xml version='1.0'?>\n<!-- c -->\n<a x=\"1&amp;2&#x41;&#66;\">\n  <b y='p\tq'/></a>\n");
  ASSERT_TRUE(r.root) << r.error->message;
  EXPECT_EQ(r.root->name, "a");
  EXPECT_EQ(r.root->pos.line, 3);
  EXPECT_EQ(r.root->attribute("x")->value, "1&2AB");
  ASSERT_EQ(r.root->children.size(), 1u);
  const XmlElement& b = r.root->children[0];
  EXPECT_EQ(b.pos.line, 4);
  EXPECT_EQ(b.pos.column, 3);
  EXPECT_EQ(b.attribute("y")->value, "p q");  // literal white space in a value is normalised
  EXPECT_EQ(b.attribute("y")->pos.column, 6);
}

TEST(Xml, Refusals) {
  const auto error_of = [](std::string_view text) {
    const XmlParseResult r = parse_xml(text);
    return r.error ? std::to_string(r.error->pos.line) + ":" + std::to_string(r.error->pos.column) + " " + r.error->message
                   : std::string("no error");
  };
  EXPECT_EQ(error_of("<a><b></a>").substr(0, 4), "1:7 ");  // the end tag that does not match
  EXPECT_NE(error_of("<a x='1' x='2'/>").find("given twice"), std::string::npos);
  EXPECT_NE(error_of("<a x='&foo;'/>").find("unknown entity"), std::string::npos);
  EXPECT_NE(error_of("<a x='<'/>").find("'<' inside an attribute"), std::string::npos);
  EXPECT_NE(error_of("<a>").find("truncated"), std::string::npos);
  EXPECT_NE(error_of("<a/><b/>").find("after the end of the root"), std::string::npos);
  EXPECT_NE(error_of("<!DOCTYPE a [<!ENTITY x 'y'>]><a/>").find("internal subset"), std::string::npos);
  EXPECT_NE(error_of("<a x='&#0;'/>").find("not a valid character"), std::string::npos);
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "<a>";
  EXPECT_NE(error_of(deep).find("nested deeper"), std::string::npos);
  EXPECT_NE(error_of(std::string("<a>\0</a>", 8)).find("NUL"), std::string::npos);
}

TEST(Mapping, HaTimeoutAsXapiResolvesIt) {
  std::string error;
  using Map = std::vector<std::pair<std::string, std::string>>;
  auto t = resolve_ha_timeout(Map{{"timeout", "45"}}, Map{{"default_ha_timeout", "120"}}, error);
  EXPECT_EQ(t->seconds, 45);
  EXPECT_EQ(t->source, "ha_configuration:timeout");
  t = resolve_ha_timeout(Map{}, Map{{"default_ha_timeout", "120"}}, error);
  EXPECT_EQ(t->seconds, 120);
  EXPECT_EQ(t->source, "other_config:default_ha_timeout");
  t = resolve_ha_timeout(Map{}, Map{}, error);
  EXPECT_EQ(t->seconds, 60);
  EXPECT_EQ(t->source, "default");
  EXPECT_FALSE(resolve_ha_timeout(Map{{"timeout", "45s"}}, Map{}, error));
}

TEST(Mapping, SanitizeNames) {
  EXPECT_EQ(sanitize_name("web server (prod)", "vm-1"), "web-server-prod");
  EXPECT_EQ(sanitize_name("  ", "vm-1"), "vm-1");
  EXPECT_EQ(sanitize_name("ok_name-1.2", "x"), "ok_name-1.2");
  EXPECT_EQ(sanitize_name(std::string(100, 'a'), "x").size(), 60u);
}

// A pool of one host and the VMs given, as a database.
std::string pool_with_vms(const std::string& vms, const std::string& pool_extra = "") {
  return R"(<database><manifest><pair key="schema_major_vsn" value="5"/><pair key="schema_minor_vsn" value="57"/></manifest>
<table name="pool"><row ref="OpaqueRef:p" name__label="t" master="OpaqueRef:h" )" + pool_extra + R"(/></table>
<table name="host"><row ref="OpaqueRef:h" name__label="h" metrics="OpaqueRef:m"/></table>
<table name="host_metrics"><row ref="OpaqueRef:m" memory__total="17179869184"/></table>
<table name="PIF"><row ref="OpaqueRef:i" host="OpaqueRef:h" device="eth0" physical="true" management="true"/></table>
<table name="VM">)" + vms + "</table></database>";
}

TEST(Mapping, LegacyPrioritiesAndProtection) {
  const ImportResult r = import_xml(pool_with_vms(R"(
<row ref="OpaqueRef:1" name__label="a" power_state="Running" resident_on="OpaqueRef:h" memory__static_max="1073741824" VCPUs__max="1" ha_restart_priority="2" ha_always_run="true"/>
<row ref="OpaqueRef:2" name__label="b" power_state="Running" resident_on="OpaqueRef:h" memory__static_max="1073741824" VCPUs__max="1" ha_restart_priority="1" ha_always_run="false"/>
<row ref="OpaqueRef:3" name__label="c" power_state="Halted" memory__static_max="1073741824" VCPUs__max="1" ha_restart_priority="best-effort" ha_always_run="false"/>
<row ref="OpaqueRef:4" name__label="d" power_state="Running" resident_on="OpaqueRef:h" memory__static_max="1073741824" VCPUs__max="1" ha_restart_priority="restart" ha_always_run="true" order="7" start_delay="20"/>
<row ref="OpaqueRef:5" name__label="tpl" is_a_template="true" memory__static_max="1073741824"/>
)"), "t.xml", "t.xml");
  ASSERT_TRUE(r.spec) << (r.diagnostics.empty() ? "" : r.diagnostics[0].message);
  const auto& vms = r.spec->pool.vms;
  ASSERT_EQ(vms.size(), 4u);
  EXPECT_EQ(vms[0].ha.restart_priority, scenario::RestartPriority::restart);
  EXPECT_EQ(vms[0].ha.order, 2);
  EXPECT_EQ(vms[1].ha.restart_priority, scenario::RestartPriority::do_not_restart);  // not ha_always_run
  EXPECT_EQ(vms[1].ha.order, 1);
  EXPECT_EQ(vms[2].ha.restart_priority, scenario::RestartPriority::best_effort);
  EXPECT_TRUE(vms[2].host.name.empty());
  EXPECT_EQ(vms[3].ha.order, 7);
  EXPECT_EQ(vms[3].ha.start_delay, Duration::seconds(20));
  EXPECT_EQ(vms[3].host.name, "h");
  EXPECT_EQ(r.spec->pool.hosts[0].memory, 16ull << 30);
}

TEST(Mapping, ErrorsNameTableRowAndField) {
  const ImportResult r = import_xml(pool_with_vms(R"(<row ref="OpaqueRef:1" name__label="a" power_state="Running" resident_on="OpaqueRef:zz" memory__static_max="1"/>)"),
                                    "t.xml", "t.xml");
  ASSERT_FALSE(r.spec);
  ASSERT_FALSE(r.diagnostics.empty());
  const scenario::Diagnostic& d = r.diagnostics.back();
  EXPECT_EQ(d.severity, scenario::Severity::error);
  EXPECT_EQ(d.message.find("VM row 'OpaqueRef:1' field 'resident_on' names 'OpaqueRef:zz', which is not a row of table 'host'"), 0u);
  EXPECT_EQ(d.line, 6);  // the VM table's line, at the field
  const ImportResult bad = import_xml(pool_with_vms("", R"(ha_host_failures_to_tolerate="one")"), "t.xml", "t.xml");
  ASSERT_FALSE(bad.spec);
  EXPECT_NE(bad.diagnostics.back().message.find("'ha_host_failures_to_tolerate' is 'one', not a whole number"), std::string::npos);
}

TEST(Mapping, UnknownSchemaIsAWarning) {
  std::string xml = pool_with_vms("");
  xml.replace(xml.find("value=\"57\""), 10, "value=\"999\"");
  const ImportResult r = import_xml(xml, "t.xml", "t.xml");
  ASSERT_TRUE(r.spec);
  ASSERT_FALSE(r.diagnostics.empty());
  EXPECT_EQ(r.diagnostics[0].severity, scenario::Severity::warning);
  EXPECT_NE(r.diagnostics[0].message.find("5.999"), std::string::npos);
}

}  // namespace
}  // namespace poolsim::import
