#!/usr/bin/env bash
# sanitize.sh — runs the test suite against an AddressSanitizer + UndefinedBehaviorSanitizer
# build of the extension and counts the sanitizer reports (the goal is zero).
#
#   tests/sanitize.sh [pytest paths and options]      default: every test file under tests/
#
# The tree is copied to a separate directory (SANITIZE_DIR, default a new temporary one; give
# the same directory again to rebuild only what changed) and built there with
# PYTORCHLITE_SANITIZE=1 (setup.py), so the checkout's own in-place build is left alone. The
# tests run in that copy with libasan preloaded (the Python interpreter is not instrumented)
# and with PYTORCHLITE_NO_CACHE=1, which turns off the allocator's block cache and the small
# tensors' free list so that every use after free and every overrun reaches ASan.
#
# Each test file runs in its own pytest process. A sanitizer report stops the process (every
# report is fatal); the script then notes the test that was running, deselects it and runs the
# rest of that file, so one report does not hide the others. Reports go to standard error, which
# pytest leaves alone (--capture=sys: a report written into pytest's captured file descriptor
# would be lost with the process). Each run's output is kept in $SANITIZE_DIR/logs/; every
# distinct report is printed at the end.
#
# PyTorch is not loaded under the preloaded ASan runtime (its own libraries do not cooperate
# with it): a stand-in package on PYTHONPATH makes `import torch` fail with ModuleNotFoundError,
# so the tests run as where torch is absent (the parity tests skip, the fuzz tests check "no
# crash, and an exception of the expected kinds" against NumPy). TORCH_HIDDEN=0 keeps torch.
# matplotlib and nbclient are hidden the same way (see below).
set -uo pipefail
# MKL's libraries are not instrumented and do not cooperate with the preloaded ASan runtime:
# the optional MKL route stays off (the libm path is what is checked)
export PYTORCHLITE_MKL=0
SRC="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${SANITIZE_DIR:-$(mktemp -d /tmp/pytorchlite-sanitize.XXXXXX)}"
mkdir -p "$DIR/tree" "$DIR/logs"
rm -f "$DIR"/logs/*

echo "sanitize: copying the tree to $DIR/tree"
(cd "$SRC" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) | (cd "$DIR/tree" && tar -xpf -)

echo "sanitize: building with PYTORCHLITE_SANITIZE=1 (log: $DIR/build.log)"
start=$(date +%s)
if ! (cd "$DIR/tree" && PYTORCHLITE_SANITIZE=1 python setup.py build_ext --inplace -j2 >"$DIR/build.log" 2>&1); then
    tail -n 30 "$DIR/build.log"
    echo "sanitize: build failed"
    exit 2
fi
built=$(date +%s)

export LD_PRELOAD="$(gcc -print-file-name=libasan.so)"
# Leak detection is off: the interpreter itself keeps memory alive at exit. A huge allocation
# comes back NULL, as from malloc, for the core to report (not an ASan abort).
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"
export PYTORCHLITE_NO_CACHE=1
export PYTHONDONTWRITEBYTECODE=1
export PYTHONUNBUFFERED=1 # the name of the running test reaches the log before a report stops it
# matplotlib and nbclient (its kernel talks through zmq) are hidden too: their C++ extensions
# throw exceptions that the preloaded ASan runtime cannot intercept (a CHECK failure in its
# __cxa_throw interceptor), so the plot and notebook tests skip here.
hidden="matplotlib nbclient"
[ "${TORCH_HIDDEN:-1}" != 0 ] && hidden="torch $hidden"
rm -rf "$DIR/notorch"
for pkg in $hidden; do
    mkdir -p "$DIR/notorch/$pkg"
    echo "raise ModuleNotFoundError('$pkg is hidden from this test run', name='$pkg')" \
        >"$DIR/notorch/$pkg/__init__.py"
done
export PYTHONPATH="$DIR/notorch${PYTHONPATH:+:$PYTHONPATH}"

# a pytest plugin that writes the id of the test about to run, so that the script can tell
# which test a report stopped (ids may hold spaces, which the log does not delimit)
mkdir -p "$DIR/plugin"
cat >"$DIR/plugin/pl_current_test.py" <<'PLUGIN'
import os


def pytest_runtest_logstart(nodeid, location):
    with open(os.environ["PL_CURRENT_TEST_FILE"], "w") as f:
        f.write(nodeid)
PLUGIN
export PYTHONPATH="$DIR/plugin:${PYTHONPATH:-}"
export PL_CURRENT_TEST_FILE="$DIR/current_test"

cd "$DIR/tree" || exit 2
targets=()
opts=()
for a in "$@"; do
    if [[ "$a" == -* ]]; then opts+=("$a"); else targets+=("$a"); fi
done
if [ "${#targets[@]}" -eq 0 ]; then
    mapfile -t targets < <(ls tests/test_*.py tests/parity/test_*.py)
fi

crashed=()
failed=()
for t in "${targets[@]}"; do
    deselect=()
    for attempt in $(seq 1 30); do
        log="$DIR/logs/$(echo "$t" | tr '/:' '__').$attempt.log"
        : >"$PL_CURRENT_TEST_FILE"
        python -m pytest -p no:cacheprovider -p pl_current_test --capture=sys -rfE -v "${opts[@]}" \
            "${deselect[@]}" "$t" >"$log" 2>&1
        rc=$?
        # pytest exits 0 (passed), 1 (tests failed) or 5 (nothing collected); anything else
        # (a signal, the sanitizers' abort) means the process died inside a test.
        if [ "$rc" -eq 0 ] || [ "$rc" -eq 5 ]; then break; fi
        if [ "$rc" -eq 1 ]; then failed+=("$t"); grep -E "^(FAILED|ERROR) " "$log"; break; fi
        victim=$(cat "$PL_CURRENT_TEST_FILE")
        echo "sanitize: $t died (exit $rc) in ${victim:-<collection>}"
        crashed+=("${victim:-$t}")
        if [ -z "$victim" ] || [[ " ${deselect[*]} " == *" $victim "* ]]; then break; fi
        deselect+=(--deselect "$victim")
    done
done
done_at=$(date +%s)

# A UBSan report is a "file:line:col: runtime error: ..." line and a stack; an ASan report starts
# with "==pid==ERROR: AddressSanitizer: ..." and ends with a "SUMMARY: AddressSanitizer: ..." line.
pattern="runtime error:|ERROR: (Address|Leak)Sanitizer"
reports=$(cat "$DIR"/logs/*.log | grep -cE "$pattern")
for f in "$DIR"/logs/*.log; do
    grep -qE "$pattern" "$f" || continue
    echo "==== $f"
    grep -E -A 12 "$pattern" "$f" | head -n 16
done
echo "sanitize: build $((built - start)) s, tests $((done_at - built)) s"
echo "sanitize: ${#targets[@]} test files, ${#crashed[@]} runs died in a test, ${#failed[@]} files with failures"
for c in "${crashed[@]}"; do echo "  died: $c"; done
for f in "${failed[@]}"; do echo "  failures: $f"; done
echo "sanitize: $reports sanitizer report(s); distinct (count, first line):"
cat "$DIR"/logs/*.log | grep -oE "[^ ]+: runtime error: .*|SUMMARY: [A-Za-z]+Sanitizer.*" | sort | uniq -c
[ "$reports" -eq 0 ] && [ "${#crashed[@]}" -eq 0 ] && [ "${#failed[@]}" -eq 0 ]
