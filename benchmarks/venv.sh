# Sourced by the benchmark scripts, after they set PARTS and WORK.
wants() { [[ " $PARTS " == *" $1 "* ]]; }
venv() {  # venv NAME PYTHON PACKAGES...
    local dir="$WORK/$1" python=$2; shift 2
    [ -x "$dir/bin/python" ] || "$python" -m venv "$dir"
    "$dir/bin/python" -m pip install -q --upgrade pip
    "$dir/bin/python" -m pip install -q "$@"
}
