// MPI ranks for `poolsim batch` (docs/cluster.md): built only with -DPOOLSIM_MPI=ON, against Debian's Open MPI
// (libopenmpi-dev). `mpirun -np K poolsim batch ...` starts K ranks of MPI_COMM_WORLD; rank 0 coordinates
// (batch.hpp, Ranks).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "poolsim/analysis/batch.hpp"

namespace poolsim::batch {

// MPI for the life of a `poolsim batch` process: MPI_Init when constructed, MPI_Finalize when destroyed. A
// process started without mpirun is a world of one (an MPI singleton) and batches alone.
class MpiRanks : public Ranks {
 public:
  MpiRanks();
  ~MpiRanks() override;
  MpiRanks(const MpiRanks&) = delete;
  MpiRanks& operator=(const MpiRanks&) = delete;

  unsigned rank() const override { return rank_; }
  unsigned size() const override { return size_; }
  std::optional<std::vector<std::uint64_t>> share(const std::optional<std::vector<std::uint64_t>>& missing) override;
  void send(const RankMessage& message) override;
  std::optional<RankMessage> receive() override;
  int agree(int status) override;
  [[noreturn]] void abort(const std::string& message) override;

 private:
  unsigned rank_ = 0;
  unsigned size_ = 1;
};

}  // namespace poolsim::batch
