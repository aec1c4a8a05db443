#!/usr/bin/env bash
# Builds FerretDB v1.24.2 once into .cache/bin (the embedded default database and the test database).
# The module proxy serves the exact version but not the version list that `go install pkg@ver` asks for,
# so the module is downloaded by exact version and built from a writable copy. FerretDB reads its own
# version from build/version/version.txt, which its release tooling normally generates.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="v1.24.2"
bin="$root/.cache/bin/ferretdb"
# The whole version text is read before it is matched: `grep -q` stops reading at the first match,
# the binary then dies of SIGPIPE and, under pipefail, a good binary would count as missing.
if [ -x "$bin" ]; then
  case "$("$bin" --version 2>/dev/null || true)" in *"${version}"*) exit 0 ;; esac
fi
command -v go >/dev/null || { echo "sharehub: Go is needed to build FerretDB ${version}" >&2; exit 1; }
echo "sharehub: building FerretDB ${version} (first run only, about 2 minutes)..." >&2
src_dir="$(GOFLAGS=-mod=mod go mod download -json "github.com/FerretDB/FerretDB@${version}" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
[ -d "$src_dir" ] || { echo "sharehub: could not download FerretDB ${version}" >&2; exit 1; }
work="$root/.cache/ferretdb-src"
rm -rf "$work" && mkdir -p "$work" "$root/.cache/bin"
cp -R "$src_dir/." "$work/" && chmod -R u+w "$work"
echo "${version}" > "$work/build/version/version.txt"
(cd "$work" && GOFLAGS=-buildvcs=false CGO_ENABLED=0 go build -trimpath -o "$bin.tmp" ./cmd/ferretdb)
mv "$bin.tmp" "$bin"
rm -rf "$work"
echo "sharehub: FerretDB ${version} ready at .cache/bin/ferretdb" >&2
