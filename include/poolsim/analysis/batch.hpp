// Monte Carlo batches: `poolsim batch SCENARIO.yaml... --runs N [--seed-base S] [--jobs J] --out RESULTS.h5
// [--keep-timelines]` (docs/running.md "poolsim batch", docs/hdf5-layout.md "Batch files").
//
// Seeds S .. S+N-1 of each scenario, each run independent and deterministic (its own process, the scenario with
// its seed replaced). J worker processes run them; the main process alone appends each completed run to the
// journal (journal.hpp) and, once every run is journaled, writes the HDF5 results from the journal, sorted by
// (scenario, seed): the results do not depend on J nor on how often the batch was interrupted.
//
// Spread over MPI ranks (docs/cluster.md, `-DPOOLSIM_MPI=ON`), rank 0 alone keeps the journal and writes the
// file; every rank, rank 0 included, runs its share of the missing runs in its own J workers and rank 0 gathers
// the results: the same file as one process with the same arguments.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "poolsim/analysis/journal.hpp"
#include "poolsim/analysis/stats.hpp"
#include "poolsim/recording/hdf5_tables.hpp"
#include "poolsim/scenario/build.hpp"
#include "poolsim/scenario/spec.hpp"

namespace poolsim::batch {

// A loaded scenario of the batch.
struct BatchScenario {
  std::string file;
  std::string yaml;  // the file's text
  std::uint64_t hash = 0;
  scenario::ScenarioSpec spec;
};

struct BatchOptions {
  std::vector<BatchScenario> scenarios;  // distinct names
  std::uint64_t runs = 0;
  std::uint64_t seed_base = 1;
  unsigned jobs = 1;
  std::filesystem::path out;
  bool keep_timelines = false;
  scenario::BuildOptions build;  // --heartbeats: the results do not depend on it
};

// Where a batch keeps its journal and, with --keep-timelines, each run's HDF5 timeline until the results are
// written: OUT.journal and OUT.runs/<scenario>@<seed>.h5.
std::filesystem::path journal_path(const std::filesystem::path& out);
std::filesystem::path timelines_dir(const std::filesystem::path& out);
// A run's id: "<scenario>@<seed>", its row id in /runs and its group /runs/<id> with --keep-timelines.
std::string run_id(const std::string& scenario, std::uint64_t seed);

// The HDF5 content of the results: root attributes and the /runs and /aggregate tables, from the records of
// every (scenario, seed) of `options` (each must be in `records`).
// A scenario's figures over the batch, for the table `poolsim batch` prints (the same runs as /aggregate).
struct ScenarioFigures {
  std::string name;
  std::string file;
  std::uint64_t runs = 0;
  std::uint64_t failed = 0;      // exit status 1: an expectation failed or an invariant broke
  std::uint64_t violations = 0;  // an invariant broke: not in the figures below
  Interval protected_availability;  // per run: 1 - protected VMs' downtime / (protected VMs x horizon); mean
  Interval services_availability;   // the pool's services (docs/running.md "Pool services"); mean
  struct Service {
    std::string name;
    Interval availability;     // per run: 1 - its downtime / horizon; mean
    double worst_down_s = 0;   // the most downtime of one run
  };
  std::vector<Service> services;    // the scenario's own services, in its order
  double fences_per_year = 0;          // host fences per run-year
  double master_changes_per_year = 0;  // master changes per run-year
  std::optional<std::uint64_t> worst_seed;  // the run with the most protected downtime (the lowest seed of ties)
  double worst_protected_down_s = 0;
};

struct BatchTables {
  std::vector<Hdf5Attribute> attributes;
  std::vector<Hdf5Table> tables;
  std::vector<ScenarioFigures> figures;  // one per scenario, in the options' order
};
BatchTables batch_tables(const BatchOptions& options, const std::map<Journal::Key, RunRecord>& records);

// What a rank sends rank 0 (Ranks::send).
struct RankMessage {
  enum class Kind : std::uint8_t { result, lost, done };
  Kind kind = Kind::done;
  std::string text;      // result: the run's journal line (with its '\n'); lost: why; done: nothing
  std::string timeline;  // result with --keep-timelines: the bytes of the run's HDF5 timeline
};

// The processes of a batch spread over MPI ranks (analysis/mpi_ranks.hpp implements it; docs/cluster.md). Rank 0
// coordinates: it owns the journal and the results file. The missing runs, numbered in batch order (scenario
// order, then seed; run i of scenario s is s * runs + i), go to rank i mod K: a fixed split that every rank
// computes from the same list.
class Ranks {
 public:
  virtual ~Ranks() = default;
  virtual unsigned rank() const = 0;
  virtual unsigned size() const = 0;
  // Collective. Rank 0 gives the missing runs, or none when the batch cannot go on (its journal could not be
  // opened); every rank gets what rank 0 gave.
  virtual std::optional<std::vector<std::uint64_t>> share(const std::optional<std::vector<std::uint64_t>>& missing) = 0;
  // Ranks other than 0: one message to rank 0.
  virtual void send(const RankMessage& message) = 0;
  // Rank 0: a message that has arrived, without waiting; none when none has.
  virtual std::optional<RankMessage> receive() = 0;
  // Collective: every rank gets rank 0's `status`.
  virtual int agree(int status) = 0;
  // Stops every rank at once with exit status 1 after printing `message`: a failure mid-batch that the others
  // cannot be told of in an orderly way. Completed runs are in rank 0's journal.
  [[noreturn]] virtual void abort(const std::string& message) = 0;
};

// What a batch did.
struct BatchReport {
  std::uint64_t total = 0;         // runs asked for
  std::uint64_t from_journal = 0;  // found done
  std::uint64_t ran = 0;           // run now
  std::uint64_t failed = 0;        // exit status 1 (an expectation failed or an invariant broke)
  std::uint64_t violations = 0;    // invariant broken
  std::uint64_t lost = 0;          // a worker that died without a result (not journaled: run again next time)
  int exit_status = 0;             // 1 when a run broke an invariant; with ranks, rank 0's for every rank
  std::vector<ScenarioFigures> scenarios;  // rank 0 only: each scenario's figures
};

// Runs the missing runs and writes the results. Progress goes to `progress`: a live line (done/total, rate,
// ETA) when `live`, nothing until the end otherwise. Throws std::runtime_error for a journal or file problem.
// With `ranks` (of more than one process), every rank calls it with the same options; rank 0 reports on the
// whole batch, the others on their share with rank 0's exit status.
// How a batch reports its progress (each may be empty): the runs already journaled, then done and total after
// each run, then the end. The command line draws its live progress line from these.
struct BatchProgress {
  std::function<void(std::uint64_t already_done)> already_done;
  std::function<void(std::uint64_t done, std::uint64_t total)> update;
  std::function<void()> finish;
};

BatchReport run_batch(const BatchOptions& options, const BatchProgress& progress = {}, Ranks* ranks = nullptr);

}  // namespace poolsim::batch
