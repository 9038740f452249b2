// Monte Carlo batches: `poolsim batch SCENARIO.yaml... --runs N [--seed-base S] [--jobs J] --out RESULTS.h5
// [--keep-timelines]` (docs/running.md "poolsim batch", docs/hdf5-layout.md "Batch files").
//
// Seeds S .. S+N-1 of each scenario, each run independent and deterministic (its own process, the scenario with
// its seed replaced). J worker processes run them; the main process alone appends each completed run to the
// journal (journal.hpp) and, once every run is journaled, writes the HDF5 results from the journal, sorted by
// (scenario, seed): the results do not depend on J nor on how often the batch was interrupted.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "batch/journal.hpp"
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
struct BatchTables {
  std::vector<Hdf5Attribute> attributes;
  std::vector<Hdf5Table> tables;
};
BatchTables batch_tables(const BatchOptions& options, const std::map<Journal::Key, RunRecord>& records);

// What a batch did.
struct BatchReport {
  std::uint64_t total = 0;         // runs asked for
  std::uint64_t from_journal = 0;  // found done
  std::uint64_t ran = 0;           // run now
  std::uint64_t failed = 0;        // exit status 1 (an expectation failed or an invariant broke)
  std::uint64_t violations = 0;    // invariant broken
  std::uint64_t lost = 0;          // a worker that died without a result (not journaled: run again next time)
};

// Runs the missing runs and writes the results. Progress goes to `progress`: a live line (done/total, rate,
// ETA) when `live`, nothing until the end otherwise. Throws std::runtime_error for a journal or file problem.
BatchReport run_batch(const BatchOptions& options, std::ostream& progress, bool live);

}  // namespace poolsim::batch
