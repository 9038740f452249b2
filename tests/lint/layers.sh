#!/usr/bin/env bash
# lint.layers: each library layer includes only its own headers and those of the layers below it
# (docs/architecture.md): kernel < models < scenario, recording; import above scenario; analysis above scenario and
# recording; report above scenario and recording. A library layer includes nothing of tools/ (its headers are not on the layer's include path). Scenario and recording do not see each other;
# tools/ and tests/ may include anything. Checks every #include "poolsim/<layer>/..." (public headers) and
# "<layer>/..." (a layer's private headers under sim/) in include/poolsim/<layer>/ and sim/<layer>/, and that its
# own pattern still catches an include that goes up.
#
# usage: layers.sh SOURCE_DIR
set -u
root=${1:?usage: layers.sh SOURCE_DIR}
allowed() {  # allowed LAYER: the layers LAYER may include
  case "$1" in
    kernel) echo "kernel" ;;
    models) echo "kernel models" ;;
    scenario) echo "kernel models scenario" ;;
    recording) echo "kernel models recording" ;;
    import) echo "kernel models scenario import" ;;
    analysis) echo "kernel models scenario recording analysis" ;;
    report) echo "kernel models scenario recording report" ;;
  esac
}
# check LAYER FILE: prints each include of FILE that LAYER may not use
check() {
  local layer=$1 file=$2 ok
  ok=" $(allowed "$layer") "
  grep -nE '^#include "(poolsim/)?(kernel|models|scenario|recording|import|analysis|report)/' "$file" | while IFS= read -r line; do
    target=$(echo "$line" | sed -E 's|^[0-9]+:#include "(poolsim/)?([a-z]+)/.*|\2|')
    case "$ok" in *" $target "*) ;; *) echo "$file:${line%%:*}: layer $layer includes $target: ${line#*:}" ;; esac
  done
}
bad=0
for layer in kernel models scenario recording import analysis report; do
  for file in $(find "$root/include/poolsim/$layer" "$root/sim/$layer" -name '*.hpp' -o -name '*.cpp' 2>/dev/null); do
    out=$(check "$layer" "$file")
    if [ -n "$out" ]; then echo "$out"; bad=1; fi
  done
done
# The pattern still catches what it must: an up include and a sideways one.
probe=$(mktemp)
trap 'rm -f "$probe"' EXIT
printf '#include "poolsim/scenario/spec.hpp"\n#include "recording/hdf5_common.hpp"\n' >"$probe"
[ "$(check models "$probe" | wc -l)" = 2 ] || { echo "lint.layers: its own check no longer catches an up include"; bad=1; }
[ "$(check scenario "$probe" | wc -l)" = 1 ] || { echo "lint.layers: its own check no longer catches a sideways include"; bad=1; }
[ $bad = 0 ] && echo "lint.layers: every include goes down or stays in its layer"
exit $bad
