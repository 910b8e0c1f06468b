# Sourced by scripts/*: puts the project's tools on PATH and keeps Trunk offline.
# Tools installed outside cargo (npm's wasm-opt, PyPI's cmake) live in $DARS_TOOLS so that a fresh
# clone on the same machine reuses them instead of installing again.
export DARS_TOOLS="${DARS_TOOLS:-$HOME/.cache/dars-tools}"
export PATH="$HOME/.cargo/bin:$DARS_TOOLS/node/node_modules/.bin:$DARS_TOOLS/venv/bin:$PATH"
# Trunk: never download tools, never ask crates.io for updates.
export TRUNK_OFFLINE=true
export TRUNK_SKIP_VERSION_CHECK=true
# Pinned tool versions (wasm-bindgen's comes from Cargo.lock, see scripts/setup).
export DARS_TRUNK_VERSION=0.21.14
export DARS_BINARYEN_VERSION=132
export DARS_CMAKE_SPEC="cmake>=3.28,<4"
# Python packages of the tests that read the lake from another engine (pyarrow, given the data key).
export DARS_PY_TEST_SPECS="pyarrow==26.0.1 cryptography==50.0.2 datafusion==55.0.0"
