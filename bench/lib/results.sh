# shellcheck shell=bash
# Sourced by the bench scripts: the machine-readable twin of each human report.
#
# With RESULTS_FILE set, `result KEY VALUE` appends one KEY=VALUE line to it, so bench/run
# assembles its report from figures, not by scraping text that is worded for people (and
# may be reworded). Without RESULTS_FILE, nothing is written: a bench run by hand is as before.
#
# Keys are dotted names (gateway.json.64.rps); values have no newline. An empty value
# means "not measured". Times are in ms, sizes in MB, rates in requests per second.

results_start() {   # truncate: one results file holds one run
  [[ -n ${RESULTS_FILE:-} ]] || return 0
  mkdir -p "$(dirname "$RESULTS_FILE")"
  : >"$RESULTS_FILE"
}

result() {   # result KEY VALUE
  [[ -n ${RESULTS_FILE:-} ]] || return 0
  printf '%s=%s\n' "$1" "${2//$'\n'/ }" >>"$RESULTS_FILE"
}
