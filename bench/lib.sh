# Shared by the benchmark scripts: messages, tools, reading JSON fields and wrk's output.

say() { echo "bench: $*" >&2; }

need_tools() {
    if ! command -v wrk > /dev/null; then
        say "installing wrk"
        apt-get install -y wrk > /dev/null || { apt-get update > /dev/null && apt-get install -y wrk > /dev/null; }
    fi
    command -v curl > /dev/null || { say "curl is needed"; exit 1; }
}

# Flat JSON fields, without needing jq.
field() { sed -n "s/.*\"$2\":\"\\{0,1\\}\\([^\",}]*\\).*/\\1/p" <<< "$1"; }

# Prints "median_ms p99_ms requests_per_second failed" from wrk --latency output; failed
# counts non-2xx answers and socket errors.
parse_wrk() {
    awk '
        function ms(v) {
            if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
            if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
            if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
            return v + 0
        }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        $1 == "Requests/sec:" { rps = $2 }
        /Non-2xx/ { failed += $NF }
        /Socket errors/ {
            for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) failed += $i
            print "bench: wrk: " $0 > "/dev/stderr"
        }
        END { printf "%.3f %.3f %.1f %d\n", p50, p99, rps, failed }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }'; }

verdict() { if awk "BEGIN { exit !($1) }"; then echo met; else echo MISSED; fi; }
