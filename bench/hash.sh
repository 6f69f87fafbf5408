#!/usr/bin/env bash
# Hashing benchmark: verifying a signed release with modelvet's
# examples/verify, against `openssl dgst -sha256` run over the same files in
# parallel (one process per core) and against `sha256sum`, in one run and
# on a warm page cache. Prints the best time of each tool over RUNS rounds
# (the tools take turns in every round), the ratios, and modelvet's peak
# resident memory.
#
#   bash bench/hash.sh                     # 3 files of 1536 MiB, 5 rounds
#   FILES=4 SIZE_MB=1024 RUNS=7 bash bench/hash.sh
#   BENCH_DIR=/data/tmp KEEP=1 bash bench/hash.sh
#
# Targets: modelvet ≤ 1.15 × parallel openssl, faster than sha256sum, peak
# RSS under 64 MB. Not part of .ci/run: it needs several GB of disk and
# minutes of both cores.
set -euo pipefail
cd "$(dirname "$0")/.."

FILES="${FILES:-3}"
SIZE_MB="${SIZE_MB:-1536}"
RUNS="${RUNS:-5}"
METHODS="${METHODS:-files shards}"
CORES="$(nproc)"

for tool in go openssl sha256sum xargs awk; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 1; }
done
if [ ! -x /usr/bin/time ]; then
	echo "bench: installing GNU time for peak-memory figures" >&2
	if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
		apt-get install -y time >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && apt-get install -y time >/dev/null 2>&1) || true
	fi
	[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time (GNU time) is required" >&2; exit 1; }
fi

WORK="${BENCH_DIR:-${TMPDIR:-/tmp}}/modelvet-bench.$$"
mkdir -p "$WORK/model" "$WORK/bin"
cleanup() { [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"; }
trap cleanup EXIT

need_kb=$(( FILES * SIZE_MB * 1024 + 512 * 1024 ))
free_kb=$(df -Pk "$WORK" | awk 'NR==2 {print $4}')
if [ "$free_kb" -lt "$need_kb" ]; then
	echo "bench: need $((need_kb / 1024)) MiB free in $WORK, have $((free_kb / 1024)) MiB" >&2
	exit 1
fi

echo "== building"
go build -o "$WORK/bin/verify" ./examples/verify
go build -o "$WORK/bin/signmodel" ./bench/signmodel

echo "== writing $FILES files of $SIZE_MB MiB in $WORK/model"
for i in $(seq 1 "$FILES"); do
	f="$WORK/model/model-$(printf %05d "$i")-of-$(printf %05d "$FILES").safetensors"
	# Random bytes, produced quickly: AES-CTR keystream over zeros.
	head -c $(( SIZE_MB * 1024 * 1024 )) /dev/zero |
		openssl enc -aes-128-ctr -nosalt -pass "pass:modelvet-bench-$i" 2>/dev/null > "$f"
done
ls "$WORK"/model/*.safetensors > "$WORK/list"

for m in $METHODS; do
	"$WORK/bin/signmodel" -method "$m" -out "$WORK/$m.sig" -key-out "$WORK/key-$m.pem" "$WORK/model"
done

now() { date +%s.%N; }
# time_of CMD...: wall seconds of one run; fails the benchmark if CMD fails.
time_of() {
	local t0 t1
	t0=$(now)
	"$@" >/dev/null
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}
openssl_parallel() { xargs -P "$CORES" -n 1 openssl dgst -sha256 < "$WORK/list"; }
sha256sum_all() { xargs sha256sum < "$WORK/list"; }
ours() { "$WORK/bin/verify" -key "$WORK/key-$1.pem" -signature "$WORK/$1.sig" "$WORK/model"; }

echo "== warming the page cache"
cat "$WORK"/model/*.safetensors > /dev/null
for m in $METHODS; do ours "$m" >/dev/null; done
openssl_parallel >/dev/null

declare -A best
keep_best() { # name seconds
	if [ -z "${best[$1]:-}" ] || awk -v a="$2" -v b="${best[$1]}" 'BEGIN { exit !(a < b) }'; then
		best[$1]="$2"
	fi
}
echo "== $RUNS rounds on $CORES cores (load: $(cut -d' ' -f1-3 /proc/loadavg))"
for r in $(seq 1 "$RUNS"); do
	line="round $r:"
	for m in $METHODS; do
		t=$(time_of ours "$m"); keep_best "modelvet-$m" "$t"; line="$line modelvet-$m ${t}s"
	done
	t=$(time_of openssl_parallel); keep_best openssl "$t"; line="$line openssl×$CORES ${t}s"
	t=$(time_of sha256sum_all); keep_best sha256sum "$t"; line="$line sha256sum ${t}s"
	echo "$line"
done

echo "== peak resident memory"
for m in $METHODS; do
	rss=$(/usr/bin/time -v "$WORK/bin/verify" -key "$WORK/key-$m.pem" -signature "$WORK/$m.sig" "$WORK/model" 2>&1 >/dev/null |
		awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }')
	best["rss-$m"]="$rss"
done

total_mb=$(( FILES * SIZE_MB ))
echo
echo "== results: $FILES × $SIZE_MB MiB ($total_mb MiB), best of $RUNS, warm cache, $CORES cores"
printf "%-22s %9s %10s\n" tool seconds "MiB/s"
for k in $(for m in $METHODS; do echo "modelvet-$m"; done) openssl sha256sum; do
	awk -v n="$k" -v t="${best[$k]}" -v mb="$total_mb" 'BEGIN { printf "%-22s %9.3f %10.0f\n", n, t, mb / t }'
done
echo
status=0
for m in $METHODS; do
	o=${best[modelvet-$m]}
	awk -v m="$m" -v o="$o" -v p="${best[openssl]}" -v s="${best[sha256sum]}" -v rss="${best[rss-$m]}" 'BEGIN {
		r1 = o / p; r2 = o / s
		printf "modelvet-%s / openssl×'"$CORES"' = %.3f (target ≤ 1.15)   modelvet-%s / sha256sum = %.3f (target < 1)   peak RSS %.1f MB (target < 64)\n", m, r1, m, r2, rss / 1024
		exit !(r1 <= 1.15 && r2 < 1 && rss < 64 * 1024)
	}' || status=1
done
exit "$status"
