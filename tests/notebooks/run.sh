#!/usr/bin/env bash
# notebooks.execute: the notebooks and tools/plot-timeline against freshly produced files (issue #8).
#
#   run.sh POOLSIM SOURCE_DIR WORK_DIR [PYTHON3]
#
# Produces the tutorial's HDF5 (poolsim run --h5), a small batch file (poolsim batch, with a scenario that has
# services) and a size file (poolsim size --h5 on a generated 12-host pool, 20 sampled sets per k), executes
# notebooks/timeline.ipynb and notebooks/availability.ipynb headless with nbconvert (a failing cell fails the test;
# availability must draw the services and the sizing figures), writes WORK_DIR/tutorial-gantt.png and .svg with
# tools/plot-timeline, and checks its refusals (exit 2).
# The executed notebooks land in WORK_DIR; the sources are not touched. Exits 77 (skipped) without Debian's
# jupyter-nbconvert, python3-ipykernel, python3-h5py, python3-pandas or python3-matplotlib.
set -euo pipefail

poolsim=$1
src=$2
work=$3
python=${4:-/usr/bin/python3}

fail() {
  echo "FAIL: $*"
  exit 1
}

if ! "$python" -c 'import h5py, pandas, matplotlib, nbconvert, nbformat, ipykernel' 2>/dev/null; then
  echo "skipped: $python lacks h5py, pandas, matplotlib, nbconvert or ipykernel" \
    "(apt-get install python3-h5py python3-pandas python3-matplotlib jupyter-nbconvert python3-ipykernel)"
  exit 77
fi

rm -rf "$work"
mkdir -p "$work"

"$poolsim" run "$src/scenarios/tutorial-cable-pull.yaml" --h5 "$work/tutorial.h5" --quiet >"$work/tutorial.out" ||
  fail "poolsim run of the tutorial (see $work/tutorial.out)"
"$poolsim" batch "$src/scenarios/random-failures.yaml" "$src/scenarios/tutorial-cable-pull.yaml" \
  "$src/scenarios/services-host-loss.yaml" --runs 5 \
  --out "$work/batch.h5" 2>"$work/batch.err" || fail "poolsim batch: $(cat "$work/batch.err")"
"$python" "$src/tools/gen-large-pool.py" 12 36 1h >"$work/large-pool-12h.yaml" || fail "tools/gen-large-pool.py"
"$poolsim" size "$work/large-pool-12h.yaml" --sample 20 --h5 "$work/size.h5" >"$work/size.out" 2>"$work/size.err" ||
  fail "poolsim size --h5: $(cat "$work/size.err")"

# The notebooks, headless: nbconvert exits non-zero when a cell raises.
export POOLSIM_ROOT=$src POOLSIM_RUN_H5=$work/tutorial.h5 POOLSIM_BATCH_H5=$work/batch.h5 POOLSIM_SIZE_H5=$work/size.h5
export MPLBACKEND=Agg PYDEVD_DISABLE_FILE_VALIDATION=1
for nb in timeline availability; do
  "$python" -m nbconvert --to notebook --execute --ExecutePreprocessor.timeout=120 \
    --output-dir "$work" --output "$nb.executed" "$src/notebooks/$nb.ipynb" >"$work/$nb.log" 2>&1 ||
    { tail -n 30 "$work/$nb.log"; fail "notebook $nb.ipynb: a cell failed (see $work/$nb.log)"; }
  "$python" - "$work/$nb.executed.ipynb" <<'PY' || fail "notebook $nb.ipynb: no plot, no services or sizing figure, or an error output"
import sys, nbformat
nb = nbformat.read(sys.argv[1], 4)
outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
assert not any(o.output_type == "error" for o in outputs)
assert any("image/png" in o.get("data", {}) for o in outputs), "no figure"
# availability.ipynb with a size file: the sizing cell draws its figure and names the planner's answer.
sizing = [c for c in nb.cells if c.cell_type == "code" and "plot_size" in c.source]
for c in [c for c in nb.cells if c.cell_type == "code" and "plot_services" in c.source]:
    assert any("image/png" in o.get("data", {}) for o in c.outputs), "the services cell drew no figure"
    assert "services-host-loss/erp" in "".join(str(o.get("data", {})) for o in c.outputs), "no row of erp"
for c in sizing:
    assert any("image/png" in o.get("data", {}) for o in c.outputs), "the sizing cell drew no figure"
    text = "".join(o.get("text", "") for o in c.outputs)
    assert "max host failures to tolerate" in text, f"the sizing cell printed {text!r}"
PY
  echo "ok notebook $nb.ipynb -> $work/$nb.executed.ipynb"
done

# tools/plot-timeline: the tutorial's Gantt chart as PNG and SVG.
plot=$src/tools/plot-timeline
"$python" "$plot" "$work/tutorial.h5" -o "$work/tutorial-gantt.png" || fail "plot-timeline PNG"
"$python" "$plot" "$work/tutorial.h5" -o "$work/tutorial-gantt.svg" || fail "plot-timeline SVG"
head -c 8 "$work/tutorial-gantt.png" | od -An -c | grep -q 'P   N   G' || fail "tutorial-gantt.png is not a PNG"
grep -q '<svg' "$work/tutorial-gantt.svg" || fail "tutorial-gantt.svg is not an SVG"
[ ! -e "$work/tutorial-gantt.png.tmp.png" ] || fail "plot-timeline left its temporary file"
echo "ok plot-timeline -> $work/tutorial-gantt.png"

# Refusals: exit 2 with a message naming the file, and no output written.
refused() {
  local want=$1
  shift
  local status=0
  "$python" "$plot" "$@" >"$work/refused.out" 2>&1 || status=$?
  [ "$status" -eq 2 ] || fail "plot-timeline $*: exit $status, want 2"
  grep -q -- "$want" "$work/refused.out" || fail "plot-timeline $*: message lacks '$want': $(cat "$work/refused.out")"
  [ ! -e "$work/refused.png" ] || fail "plot-timeline $*: wrote an output"
}
refused "no such file" "$work/missing.h5" -o "$work/refused.png"
refused "not an HDF5 file" "$work/tutorial.out" -o "$work/refused.png"
refused "a batch file" "$work/batch.h5" -o "$work/refused.png"
refused "a size file" "$work/size.h5" -o "$work/refused.png"
refused "must end in .png" "$work/tutorial.h5" -o "$work/refused.jpg"
refused "usage" "$work/tutorial.h5"
echo "ok plot-timeline refusals"
