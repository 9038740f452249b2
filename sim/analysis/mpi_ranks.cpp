#include "poolsim/analysis/mpi_ranks.hpp"

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <limits>
#include <stdexcept>

namespace poolsim::batch {

namespace {

// A message's MPI tag is its kind; its bytes are the length of `text` (8 bytes, host order: every rank runs the
// same build), `text`, then `timeline`.
int tag_of(RankMessage::Kind kind) { return 1 + static_cast<int>(kind); }

// Broadcasts are cut into pieces whose element count fits MPI's int.
constexpr std::size_t broadcast_piece = std::size_t{1} << 26;

}  // namespace

MpiRanks::MpiRanks() {
  MPI_Init(nullptr, nullptr);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  rank_ = static_cast<unsigned>(rank);
  size_ = static_cast<unsigned>(size);
}

MpiRanks::~MpiRanks() { MPI_Finalize(); }

std::optional<std::vector<std::uint64_t>> MpiRanks::share(const std::optional<std::vector<std::uint64_t>>& missing) {
  constexpr std::uint64_t stop = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t count = rank_ == 0 ? (missing ? missing->size() : stop) : 0;
  MPI_Bcast(&count, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
  if (count == stop) return std::nullopt;
  std::vector<std::uint64_t> out = rank_ == 0 ? *missing : std::vector<std::uint64_t>(count);
  for (std::size_t start = 0; start < out.size(); start += broadcast_piece) {
    const std::size_t n = std::min(broadcast_piece, out.size() - start);
    MPI_Bcast(out.data() + start, static_cast<int>(n), MPI_UINT64_T, 0, MPI_COMM_WORLD);
  }
  return out;
}

void MpiRanks::send(const RankMessage& message) {
  const std::uint64_t text_size = message.text.size();
  std::string bytes(sizeof text_size, '\0');
  std::memcpy(bytes.data(), &text_size, sizeof text_size);
  bytes += message.text;
  bytes += message.timeline;
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) {
    throw std::runtime_error("a run's result is too large to send to rank 0 (" + std::to_string(bytes.size()) +
                             " bytes)");
  }
  MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, 0, tag_of(message.kind), MPI_COMM_WORLD);
}

std::optional<RankMessage> MpiRanks::receive() {
  int arrived = 0;
  MPI_Status status;
  MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &arrived, &status);
  if (!arrived) return std::nullopt;
  int count = 0;
  MPI_Get_count(&status, MPI_BYTE, &count);
  std::string bytes(static_cast<std::size_t>(count), '\0');
  MPI_Recv(bytes.data(), count, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  RankMessage m;
  switch (status.MPI_TAG) {
    case 1: m.kind = RankMessage::Kind::result; break;
    case 2: m.kind = RankMessage::Kind::lost; break;
    case 3: m.kind = RankMessage::Kind::done; break;
    default: throw std::runtime_error("rank " + std::to_string(status.MPI_SOURCE) + " sent an unknown message");
  }
  std::uint64_t text_size = 0;
  if (bytes.size() < sizeof text_size) throw std::runtime_error("a rank sent a truncated message");
  std::memcpy(&text_size, bytes.data(), sizeof text_size);
  if (text_size > bytes.size() - sizeof text_size) throw std::runtime_error("a rank sent a truncated message");
  m.text = bytes.substr(sizeof text_size, text_size);
  m.timeline = bytes.substr(sizeof text_size + text_size);
  return m;
}

int MpiRanks::agree(int status) {
  MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
  return status;
}

void MpiRanks::abort(const std::string& message) {
  std::cerr << message << '\n' << std::flush;
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::_Exit(1);  // MPI_Abort does not return; this tells the compiler so
}

}  // namespace poolsim::batch
