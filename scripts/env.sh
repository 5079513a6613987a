# Sourced by every script: which cargo builds wasm, and where the tools live.
# Debian's cargo/rustc (1.96, in /usr/bin) own the MVP wasm32 sysroot, so /usr/bin comes first;
# host tools installed with `cargo install` live in ~/.cargo/bin; wasm-ld lives in llvm-22.
if [ -z "${MPMQTT_ENV_LOADED:-}" ]; then
  export MPMQTT_ENV_LOADED=1
  export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
  if command -v rustup >/dev/null 2>&1 && rustup +nightly target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown; then
    export MPMQTT_TOOLCHAIN=rustup
  else
    export MPMQTT_TOOLCHAIN=debian
  fi
  if [ "$MPMQTT_TOOLCHAIN" = debian ]; then
    export PATH="/usr/bin:/usr/lib/llvm-22/bin:$CARGO_HOME/bin:$PATH"
    export MPMQTT_SYSROOT_LIB=/usr/lib/rustlib/wasm32-unknown-unknown/lib
  else
    export RUSTUP_TOOLCHAIN=nightly
    export PATH="$CARGO_HOME/bin:$PATH"
    export MPMQTT_SYSROOT_LIB="$(rustc --print sysroot)/lib/rustlib/wasm32-unknown-unknown/lib"
  fi
  # `cargo install` builds host binaries; any cargo works, prefer the newest one found.
  if [ -x "$CARGO_HOME/bin/cargo" ]; then export MPMQTT_HOST_CARGO="$CARGO_HOME/bin/cargo"; else export MPMQTT_HOST_CARGO=cargo; fi
  # Build-std and -Zpanic-immediate-abort are unstable flags; our release build needs them.
  export RUSTC_BOOTSTRAP=1
  export PATH="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/node_modules/.bin:$PATH"
fi
