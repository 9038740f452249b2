// poolsim_import: the escapes of xml_spaces.ml, the S-expressions of sets and maps, the XML reader's positions
// and refusals, the mapping of small databases, and the reader of xe params=all text (docs/importing.md).
#include <gtest/gtest.h>

#include <string>

#include "poolsim/import/import.hpp"
#include "poolsim/import/xapi_db.hpp"
#include "poolsim/import/xe_text.hpp"
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

// A small pool as xe lists: records as cli_printer.ml multi_line_record prints them (first name padded on the
// right, the others on the left, two empty lines after each record). Lists without records are empty files.
std::vector<XeFile> small_lists(const std::string& vm_list, const std::string& host_extra = "") {
  std::vector<XeFile> files = {
      {"pool-list.txt",
       "uuid ( RO)                          : p-1\n"
       "                  name-label ( RW): lab\n"
       "                      master ( RO): h-1\n"
       "                  ha-enabled ( RO): false\n"
       "               ha-statefiles ( RO): <not in database>; s-1\n"
       "ha-host-failures-to-tolerate ( RW): 0\n"
       "                other-config (MRW): default_ha_timeout: 30\n\n\n",
       "pool"},
      {"host-list.txt",
       "uuid ( RO)                 : h-1\n"
       "         name-label ( RW): alpha\n"
       "    memory-overhead ( RO): 0\n"
       "       memory-total ( RO): 8589934592\n"
       "  host-metrics-live ( RO): true\n"
       "           cpu_info (MRO): cpu_count: 8; flags: a; b c; vendor: X\n" +
           host_extra + "\n\n",
       "host"},
      {"network-list.txt", "uuid ( RO)           : n-1\n     name-label ( RW): lan\n      PIF-uuids (SRO): f-1\n         bridge ( RO): xenbr0\n\n\n", "network"},
      {"pif-list.txt",
       "uuid ( RO)                   : f-1\n"
       "             device ( RO): eth0\n"
       "           physical ( RO): true\n"
       "               VLAN ( RO): -1\n"
       "      bond-slave-of ( RO): <not in database>\n"
       "         management ( RO): true\n"
       "       network-uuid ( RO): n-1\n"
       "          host-uuid ( RO): h-1\n"
       "              speed ( RO): 25000 Mbit/s\n\n\n",
       "pif"},
      {"bond-list.txt", "", "bond"}, {"sr-list.txt", "", "sr"}, {"pbd-list.txt", "", "pbd"}, {"vdi-list.txt", "uuid ( RO)             : s-1\n     virtual-size ( RO): 1\n          sr-uuid ( RO): <not in database>\n\n\n", "vdi"},
      {"vm-list.txt", vm_list, "vm"},   {"vbd-list.txt", "", "vbd"}, {"vif-list.txt", "", "vif"}};
  return files;
}

const std::string dom0_and_vm =
    "uuid ( RO)                            : d-1\n"
    "                    name-label ( RW): Control domain on host: alpha\n"
    "             is-control-domain ( RO): true\n"
    "                   power-state ( RO): running\n"
    "                 memory-actual ( RO): 1073741824\n"
    "                 memory-target ( RO): <expensive field>\n"
    "             memory-static-max ( RW): 4294967296\n"
    "                   resident-on ( RO): h-1\n\n\n"
    "uuid ( RO)                            : v-1\n"
    "                    name-label ( RW): web: front\n"
    "              name-description ( RW): two\n"
    "lines\n"
    "\n"
    "and a gap\n"
    "             is-control-domain ( RO): false\n"
    "                   power-state ( RO): halted\n"
    "             memory-static-max ( RW): 1073741824\n"
    "                     VCPUs-max ( RW): 2\n"
    "                   resident-on ( RO): <not in database>\n"
    "         ha-always-run ( RW) [DEPRECATED]: true\n"
    "           ha-restart-priority ( RW): restart\n\n\n";

TEST(XeText, ClassesFromNamesAndText) {
  EXPECT_EQ(xe_class_from_name("host-list.txt"), "host");
  EXPECT_EQ(xe_class_from_name("dir/xe-vm-list.out"), "vm");
  EXPECT_EQ(xe_class_from_name("HOST-CPU-LIST"), "host-cpu");
  EXPECT_EQ(xe_class_from_name("pbd-list"), "pbd");
  EXPECT_EQ(xe_class_from_name("myvm-list.txt"), "");  // no word boundary before the class
  EXPECT_EQ(xe_class_from_name("vms.txt"), "");
  EXPECT_TRUE(looks_like_xe_text("\n\nuuid ( RO)    : x\n"));
  EXPECT_TRUE(looks_like_xe_text("  ha-always-run ( RW) [DEPRECATED]: true\r\n"));
  EXPECT_FALSE(looks_like_xe_text("<?xml version='1.0'?><database/>"));
  EXPECT_FALSE(looks_like_xe_text("uuid (RO): x"));  // not one of the six marks
}

TEST(XeText, SetsAndMapsWriteBack) {
  std::string error;
  const std::vector<std::pair<std::string, std::string>> pairs = {{"k'q", "v\\w"}, {"", "x y"}};
  EXPECT_EQ(*parse_map(format_map(pairs), error), pairs);
  const std::vector<std::string> items = {"a'", "b\\", ""};
  EXPECT_EQ(*parse_set(format_set(items), error), items);
  EXPECT_EQ(format_set({}), "()");
}

TEST(XeText, RecordsFieldsAndValues) {
  const XeReadResult r = read_xe_lists(small_lists(dom0_and_vm), "dir", true);
  ASSERT_TRUE(r.database) << (r.diagnostics.empty() ? "" : r.diagnostics.back().message);
  const Database& db = *r.database;
  EXPECT_TRUE(db.from_xe);
  const DbRow* vm = db.table("VM")->find("v-1");
  ASSERT_NE(vm, nullptr);
  EXPECT_EQ(vm->field("name__label")->value, "web: front");         // only the first ": " ends the name
  EXPECT_EQ(vm->field("ha_always_run")->value, "true");             // a deprecated field's mark
  EXPECT_EQ(vm->field("resident_on"), nullptr);                     // <not in database>: none
  EXPECT_EQ(vm->field("VCPUs__max")->pos.line, 20);  // after the three lines of the description
  EXPECT_EQ(vm->field("VCPUs__max")->pos.file, 8);                  // vm-list.txt is the ninth file
  EXPECT_EQ(vm->field("VCPUs__max")->pos.column, 22);               // at the name, after the padding
  // memory-target is an expensive field: a control domain's memory-actual stands for it, and that is stated.
  EXPECT_EQ(db.table("VM")->find("d-1")->field("memory__target")->value, "1073741824");
  ASSERT_EQ(db.notes.size(), 1u);
  EXPECT_NE(db.notes[0].find("memory-actual"), std::string::npos);
  // Maps and sets as the database writes them; a piece without ": " belongs to the value before it.
  std::string error;
  const DbRow* host = db.table("host")->find("h-1");
  const auto cpu = parse_map(host->field("cpu_info")->value, error);
  ASSERT_TRUE(cpu) << error;
  EXPECT_EQ(*cpu, (std::vector<std::pair<std::string, std::string>>{{"cpu_count", "8"}, {"flags", "a; b c"}, {"vendor", "X"}}));
  EXPECT_EQ(*parse_set(db.table("pool")->rows[0].field("ha_statefiles")->value, error), std::vector<std::string>{"s-1"});
  // host_metrics from host-list, PIF_metrics from pif-list's speed.
  EXPECT_EQ(db.table("host_metrics")->find("h-1")->field("memory__total")->value, "8589934592");
  EXPECT_EQ(db.table("PIF_metrics")->find("f-1")->field("speed")->value, "25000");
  EXPECT_EQ(db.labels.at("VM.resident_on"), "resident-on");
}

TEST(XeText, MultiLineValuesGoOn) {
  const XeReadResult r = read_xe_lists(small_lists(dom0_and_vm, "       other-config (MRW): note: first\nsecond; k: v\n"), "dir", true);
  ASSERT_TRUE(r.database);
  std::string error;
  const auto other = parse_map(r.database->table("host")->find("h-1")->field("other_config")->value, error);
  EXPECT_EQ(*other, (std::vector<std::pair<std::string, std::string>>{{"note", "first\nsecond"}, {"k", "v"}}));
}

TEST(XeText, Refusals) {
  auto message = [](std::vector<XeFile> files) {
    const XeReadResult r = read_xe_lists(files, "dir", true);
    EXPECT_FALSE(r.database);
    return r.diagnostics.empty() ? std::string() : scenario::format_diagnostic(r.diagnostics.back());
  };
  std::vector<XeFile> files = small_lists(dom0_and_vm);
  files[8].text = "name-label ( RW): x\n\n\n";
  EXPECT_EQ(message(files).find("vm-list.txt:1:1: error: the file's name says vm-list, but its first record has no field 'is-control-domain'"), 0u);
  files = small_lists(dom0_and_vm + "uuid ( RO): v-1\nis-control-domain ( RO): false\npower-state ( RO): halted\n");
  EXPECT_EQ(message(files).find("vm-list.txt:26:1: error: record 'v-1' appears twice in vm-list (first at line 11)"), 0u);
  files = small_lists(dom0_and_vm);
  files.pop_back();
  EXPECT_EQ(message(files), "dir: error: no vif-list among the files; run 'xe vif-list params=all > vif-list.txt' on the pool master and give that file too");
  files = small_lists(dom0_and_vm);
  files[4].cls.clear();  // an empty file that its name does not name
  files[4].display = "x.txt";
  EXPECT_EQ(message(files).find("x.txt: error: the file is empty and its name does not say which xe list it is"), 0u);
  files = small_lists(dom0_and_vm);
  files[8].text = std::string("\xFF\xFEu\0u\0", 6);
  EXPECT_EQ(message(files).find("vm-list.txt:1:1: error: the file is UTF-16"), 0u);
  files = small_lists(dom0_and_vm);
  files[8].text = "\xEF\xBB\xBF" + files[8].text;  // a UTF-8 byte order mark is skipped
  EXPECT_TRUE(read_xe_lists(files, "dir", true).database);
  EXPECT_TRUE(looks_like_xe_text(files[8].text));
  const XeReadResult lax = read_xe_lists(small_lists(dom0_and_vm), "dir", false);
  EXPECT_TRUE(lax.database);
}

TEST(XeText, ImportsThroughTheSameMapping) {
  const ImportResult r = import_xe(small_lists(dom0_and_vm), "dir", true, "dir/");
  ASSERT_TRUE(r.spec) << (r.diagnostics.empty() ? "" : r.diagnostics.back().message);
  ASSERT_EQ(r.spec->pool.hosts.size(), 1u);
  EXPECT_EQ(r.spec->pool.hosts[0].control_domain_memory, std::uint64_t{1} << 30);
  EXPECT_EQ(r.spec->pool.hosts[0].cpus, 8);
  EXPECT_EQ(r.spec->pool.hosts[0].nics[0].speed, std::uint64_t{25'000'000'000});
  ASSERT_EQ(r.spec->pool.vms.size(), 1u);
  EXPECT_TRUE(r.spec->pool.vms[0].host.name.empty());  // halted, resident on none
  EXPECT_EQ(r.spec->pool.ha.timeout, Duration::seconds(30));
  EXPECT_NE(r.yaml.find("(xe params=all text)"), std::string::npos);
  // A reference to a record no list holds names the file, line, record and field.
  std::string bad = dom0_and_vm;
  bad.replace(bad.find("resident-on ( RO): <not in database>"), 36, "resident-on ( RO): h-9");
  const ImportResult e = import_xe(small_lists(bad), "dir", true, "dir/");
  ASSERT_FALSE(e.spec);
  EXPECT_EQ(scenario::format_diagnostic(e.diagnostics.back()).find(
                "vm-list.txt:21:20: error: vm-list record 'v-1' field 'resident-on' names 'h-9', which is not a record of host-list"),
            0u);
}

}  // namespace
}  // namespace poolsim::import
