# Option checks shared by the training/ figure scripts, sourced after setting `script` to the script's name: a bad
# option is refused before the build, naming it (exit 2), and nothing is created: not minutes later from a log.
usage() { echo "$script: $* (see --help)" >&2; exit 2; }
# value OPTION [VALUE...]: the option is followed by a value, not by nothing or by the next option.
value() { [[ $# -ge 2 && -n $2 && $2 != --* ]] || usage "$1 needs a value"; }
# check_seeds "1 2 3": at least one seed, each an integer (commas are read as spaces by the callers).
check_seeds() {
  local s
  [[ -n ${1// /} ]] || usage "--seeds names no seed"
  for s in $1; do [[ $s =~ ^-?[0-9]{1,9}$ ]] || usage "--seeds: '$s' is not an integer"; done
}
check_tree_threads() { [[ $1 =~ ^[1-9][0-9]{0,3}$ ]] || usage "--tree-threads: '$1' is not an integer >= 1"; }
check_out() { [[ ! -e $1 || -d $1 ]] || usage "--out: '$1' exists and is not a folder"; }
