// `poolsim report`: one self-contained HTML page of a run's, a batch's or a sizing study's HDF5 file
// (docs/running.md "poolsim report", docs/hdf5-layout.md). The page holds its CSS, its small script and its
// figures (inline SVG); it loads nothing, so it opens from a mail attachment.
//
// The report layer sits above recording, whose Hdf5Reader reads the file (HDF5 stays private there), and scenario,
// which reads back the scenario text of a run's file (where each VM starts); it uses the kernel's time formats.
// The same file gives the same bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "poolsim/kernel/time.hpp"

namespace poolsim::report {

// An input that is not a file the report can read: what() names the file, says what is wrong and how to fix it.
class ReportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class FileKind : std::uint8_t { run, batch, size };
std::string_view to_token(FileKind kind);  // "run", "batch", "size"

struct ReportOptions {
  // Incidents (find_incidents): injected records closer than `incident_gap` join one incident, and so do the
  // records that follow them without a quiet time longer than it; each panel shows `incident_margin` on either
  // side. 10 min joins the tutorial's cable pull and its replug 10 min later into one incident; 1 min shows what
  // led in.
  Duration incident_gap = Duration::minutes(10);
  Duration incident_margin = Duration::minutes(1);
  std::size_t max_panels = 12;  // incident panels drawn; the rest are listed in the incidents table only
  std::size_t worst_runs = 10;  // batch: the worst runs listed with their replay command
};

// One incident: a window of the run around a cluster of injected records (faults and repairs).
struct Incident {
  double from_s = 0;      // the window shown (margin included), within [0, end]
  double to_s = 0;
  double first_s = 0;     // the first injected record
  double last_s = 0;      // the last record of the incident (injected or consequence)
  std::size_t faults = 0;  // injected records in it
};

// The incidents of a run. `injected` are the times of the injected records, `records` the times of every record
// (both sorted). Injected records at most `gap` apart form a cluster; a cluster goes on over the records that
// follow its last injected one, each at most `gap` after the one before, up to the next cluster; its window is
// [first - margin, last + margin], clipped to [0, end_s] and to the windows on either side.
std::vector<Incident> find_incidents(const std::vector<double>& injected, const std::vector<double>& records,
                                     double end_s, double gap_s, double margin_s);

// The kind of a file poolsim wrote, from its root attributes. Throws ReportError for a file that is not HDF5
// or not poolsim's.
FileKind detect_kind(const std::filesystem::path& h5);

// The page of `h5`. Throws ReportError for an input it cannot read (naming the file and the missing part).
std::string render_report(const std::filesystem::path& h5, const ReportOptions& options = {});

// The states the page and plot-timeline colour, with their colours (the same in both): the host and VM states
// of the models' table of records (docs/glossary.md) and `out_of_liveset`, a host that is up but not a member
// of the HA liveset (after join_aborted, join_failed or join_cancelled, until it joins).
struct StateColour {
  std::string_view subject;  // "host" or "vm"
  std::string_view state;
  std::string_view colour;  // #rrggbb
  std::string_view meaning;
};
const std::vector<StateColour>& state_colours();

}  // namespace poolsim::report
