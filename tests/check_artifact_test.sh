#!/usr/bin/env bash
# Proves scripts/check-artifact catches each violation it claims to: every case assembles a
# small module with wat2wasm and asserts the exit status and the verdict of every check line,
# so a check that passes everything (or fails everything) makes this test fail.
#
#   bash tests/check_artifact_test.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
check="$root/scripts/check-artifact"
command -v wat2wasm >/dev/null || { echo "check_artifact_test: wat2wasm missing (apt-get install wabt; scripts/setup)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
cases=0

# case NAME EXPECTED_STATUS "check=VERDICT ..." [check-artifact flags...] < module.wat
case_() {
  local name=$1 want_status=$2 want_verdicts=$3
  shift 3
  cases=$((cases + 1))
  cat >"$work/$name.wat"
  if ! wat2wasm "$work/$name.wat" -o "$work/$name.wasm" 2>"$work/$name.wat2wasm.err"; then
    echo "not ok - $name: wat2wasm failed: $(cat "$work/$name.wat2wasm.err")"
    failures=$((failures + 1))
    return
  fi
  run "$name" "$want_status" "$want_verdicts" "$@" "$work/$name.wasm"
}

run() {
  local name=$1 want_status=$2 want_verdicts=$3
  shift 3
  local status=0
  "$check" "$@" >"$work/$name.out" 2>&1 || status=$?
  local problems=()
  [ "$status" = "$want_status" ] || problems+=("exit status $status, expected $want_status")
  for pair in $want_verdicts; do
    local check_name=${pair%%=*} verdict=${pair#*=}
    grep -q "^$verdict $check_name:" "$work/$name.out" || problems+=("expected '$verdict $check_name'")
  done
  if [ ${#problems[@]} -eq 0 ]; then
    echo "ok - $name"
  else
    failures=$((failures + 1))
    echo "not ok - $name: ${problems[*]}"
    sed 's/^/    | /' "$work/$name.out"
  fi
}

all_pass="mvp-features=PASS no-global-export=PASS no-i64-boundary=PASS i64-imports=PASS"

# An MVP module shaped like our artifact: memory, i32/f64 functions, an immutable global
# that is used but not exported, an import with f64.
case_ good 0 "$all_pass" <<'EOF'
(module
  (import "./mpmqtt_bg.js" "now" (func $now (result f64)))
  (memory (export "memory") 17)
  (global $sp (mut i32) (i32.const 1048576))
  (func (export "core_handle_bytes") (param i32 f64 i32 i32) (result i32)
    global.get $sp
    local.get 0
    i32.add)
  (func (export "core_now") (result f64) call $now))
EOF

case_ exported-global 1 "mvp-features=PASS no-global-export=FAIL no-i64-boundary=PASS" <<'EOF'
(module
  (memory (export "memory") 1)
  (global $g i32 (i32.const 1048576))
  (export "__instance_terminated" (global $g))
  (func (export "f") (result i32) global.get $g))
EOF

# wabt 1.0.32's --disable-mutable-globals checks imports only, so an exported mutable
# global is caught by no-global-export alone.
case_ exported-mutable-global 1 "no-global-export=FAIL" <<'EOF'
(module
  (global $g (export "counter") (mut i32) (i32.const 0)))
EOF

case_ imported-mutable-global 1 "mvp-features=FAIL no-global-export=PASS" <<'EOF'
(module
  (import "env" "sp" (global $sp (mut i32)))
  (func (export "f") (result i32) global.get $sp))
EOF

case_ i64-param 1 "mvp-features=PASS no-global-export=PASS no-i64-boundary=FAIL" <<'EOF'
(module
  (func (export "set_seed") (param i32 i64) (result i32) local.get 0))
EOF

case_ i64-result 1 "mvp-features=PASS no-global-export=PASS no-i64-boundary=FAIL" <<'EOF'
(module
  (func (export "ms") (param f64) (result i64) local.get 0 i64.trunc_f64_u))
EOF

# An i64 only inside the module is fine: nothing crosses into JS.
case_ i64-internal 0 "$all_pass" <<'EOF'
(module
  (func $wide (param i64) (result i64) local.get 0 i64.const 1 i64.add)
  (func (export "f") (param i32) (result i32)
    local.get 0 i64.extend_i32_u call $wide i32.wrap_i64))
EOF

# The export index counts imported functions first: the i64 export sits after an import.
case_ i64-export-after-import 1 "no-i64-boundary=FAIL i64-imports=PASS" <<'EOF'
(module
  (import "env" "log" (func $log (param i32)))
  (func (export "ok") (param i32) local.get 0 call $log)
  (func (export "bad") (param i64)))
EOF

case_ i64-import-warns 0 "mvp-features=PASS no-global-export=PASS no-i64-boundary=PASS i64-imports=WARN" <<'EOF'
(module
  (import "./mpmqtt_bg.js" "__wbindgen_cast_u64" (func $c (param i64) (result i32)))
  (func (export "f") (result i32) i64.const 7 call $c))
EOF
run i64-import-strict 1 "i64-imports=FAIL" --strict "$work/i64-import-warns.wasm"

case_ bulk-memory 1 "mvp-features=FAIL no-global-export=PASS no-i64-boundary=PASS" <<'EOF'
(module
  (memory (export "memory") 1)
  (func (export "copy") (param i32 i32 i32)
    local.get 0 local.get 1 local.get 2 memory.copy))
EOF

case_ sign-extension 1 "mvp-features=FAIL no-global-export=PASS" <<'EOF'
(module
  (func (export "sx") (param i32) (result i32) local.get 0 i32.extend8_s))
EOF

case_ saturating-trunc 1 "mvp-features=FAIL no-global-export=PASS" <<'EOF'
(module
  (func (export "t") (param f64) (result i32) local.get 0 i32.trunc_sat_f64_s))
EOF

case_ multi-value 1 "mvp-features=FAIL no-global-export=PASS" <<'EOF'
(module
  (func (export "two") (result i32 i32) i32.const 1 i32.const 2))
EOF

case_ reference-types 1 "mvp-features=FAIL" <<'EOF'
(module
  (table $t 1 externref)
  (func (export "put") (param externref) i32.const 0 local.get 0 table.set $t))
EOF

case_ simd 1 "mvp-features=FAIL" <<'EOF'
(module
  (func (export "v") (result i32) v128.const i32x4 1 2 3 4 i32x4.extract_lane 0))
EOF

# Not wasm at all: every check fails, none crashes.
cases=$((cases + 1))
printf 'this is not a wasm module\n' >"$work/garbage.wasm"
run garbage 1 "mvp-features=FAIL no-global-export=FAIL no-i64-boundary=FAIL" "$work/garbage.wasm"

# Truncated in the middle of the export section.
cases=$((cases + 1))
head -c 30 "$work/exported-global.wasm" >"$work/truncated.wasm"
run truncated 1 "mvp-features=FAIL no-global-export=FAIL" "$work/truncated.wasm"

cases=$((cases + 1))
run missing-file 1 "read=FAIL" "$work/does-not-exist.wasm"

cases=$((cases + 1))
status=0
"$check" --bogus >/dev/null 2>&1 || status=$?
if [ "$status" = 2 ]; then echo "ok - bad usage exits 2"; else echo "not ok - bad usage exited $status"; failures=$((failures + 1)); fi

echo "check_artifact_test: $((cases - failures))/$cases passed"
[ "$failures" -eq 0 ]
