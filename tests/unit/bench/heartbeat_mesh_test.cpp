#include "poolsim/analysis/heartbeat_mesh.hpp"

#include <gtest/gtest.h>

namespace poolsim::bench {
namespace {

// Both event loops must reproduce the reference counts of docs/performance.md "Heartbeat-mesh benchmark" exactly
// (N = 16; the N = 64 run is the benchmark itself, too long for a unit test).
TEST(HeartbeatMesh, KernelMatchesTheReferenceValues) {
  MeshParameters p;
  p.hosts = 16;
  const auto want = reference_figures(p);
  ASSERT_TRUE(want.has_value());
  EXPECT_EQ(run_mesh_on_kernel(p), *want);
}

TEST(HeartbeatMesh, BaselineMatchesTheReferenceValues) {
  MeshParameters p;
  p.hosts = 16;
  EXPECT_EQ(run_mesh_on_baseline(p), *reference_figures(p));
}

TEST(HeartbeatMesh, LoopsAgreeOffTheReferenceTable) {
  MeshParameters p;
  p.hosts = 5;
  p.until = Duration::seconds(200);
  EXPECT_FALSE(reference_figures(p).has_value());
  const MeshFigures kernel = run_mesh_on_kernel(p);
  EXPECT_EQ(kernel, run_mesh_on_baseline(p));
  EXPECT_GT(kernel.dropped, 0u);
  ASSERT_TRUE(kernel.detection_min.has_value());
}

}  // namespace
}  // namespace poolsim::bench
