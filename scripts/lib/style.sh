# The style checks (sourced by scripts/lib/tiers.sh for the native tier and by
# scripts/check-style.sh): each counts one result with tests/lib/tap.sh's tap_pass / tap_fail.
# STYLE.md's limits apply to the C files git tracks outside tests/ (generated sources are written
# into build directories, which git ignores).

QGA_STYLE_MAX_FILE_LINES=800
QGA_STYLE_MAX_FUNCTION_LINES=100
# Functions already longer than that limit, each allowed its present length and no more
# (STYLE.md: split them; remove a line once its function is split).
QGA_STYLE_LONG_FUNCTIONS=$QGA_ROOT/scripts/lib/long-functions.txt

# qga_style_git WHAT: succeed when $QGA_ROOT is a git checkout (which files are tracked or
# changed is git's to say); otherwise count WHAT as failed, loudly.
qga_style_git() {
    local top
    if ! command -v git >/dev/null; then
        tap_fail "$1" "git is not installed (scripts/setup.sh base)"
        return 1
    fi
    top=$(git -C "$QGA_ROOT" rev-parse --show-toplevel 2>/dev/null)
    if [ "$top" != "$(cd "$QGA_ROOT" && pwd -P)" ]; then
        tap_fail "$1" "$QGA_ROOT is not a git checkout: which files are tracked or changed?"
        return 1
    fi
}

# The C lines changed since BASE, committed or not, as "FILE --lines=A:B ..." per file (git's
# rename detection on, so a moved file counts only for what changed; an untracked file is whole).
qga_style_changed_ranges() {
    (cd "$QGA_ROOT" && {
        git diff -U0 -M --diff-filter=d "$1" -- '*.c' '*.h' | awk '
            /^\+\+\+ b\// { if (f != "" && r != "") print f r; f = substr($0, 7); r = ""; next }
            /^@@/ {
                split($3, a, ","); start = substr(a[1], 2); n = (a[2] == "") ? 1 : a[2]
                if (n > 0) r = r " --lines=" start ":" (start + n - 1)
            }
            END { if (f != "" && r != "") print f r }'
        git ls-files --others --exclude-standard -- '*.c' '*.h'
    })
}

# The base of the format check: the commit that last changed .clang-format, as an ancestor.
qga_style_format_base() {
    local since
    since=$(git -C "$QGA_ROOT" log -1 --format=%H -- .clang-format)
    [ -n "$since" ] && git -C "$QGA_ROOT" merge-base HEAD "$since"
}

# clang-format -i on exactly the lines qga_style_format checks.
qga_style_format_fix() {
    local base line
    base=$(qga_style_format_base) || { echo "no committed .clang-format" >&2; return 1; }
    while read -r line; do
        [ -n "$line" ] || continue
        local file=${line%% *} opts=()
        [ "$file" != "$line" ] && read -r -a opts <<<"${line#* }"
        (cd "$QGA_ROOT" && clang-format -i "${opts[@]}" "$file")
    done <<<"$(qga_style_changed_ranges "$base")"
}

# clang-format --dry-run -Werror (.clang-format) on the lines of C files changed since the commit
# that last changed .clang-format, committed or not: existing code is not reformatted wholesale,
# and a file that was only moved (git's rename detection) counts only for the lines it changed.
qga_style_format() {
    local what="clang-format: C lines changed since .clang-format"
    qga_style_git "$what" || return 1
    if ! command -v clang-format >/dev/null; then
        tap_fail "$what" "clang-format is not installed (scripts/setup.sh base)"
        return 1
    fi
    local base
    if ! base=$(qga_style_format_base); then
        tap_fail "$what" ".clang-format is not committed: there is no base to compare with"
        return 1
    fi
    local ranges
    ranges=$(qga_style_changed_ranges "$base")
    if [ -z "$ranges" ]; then
        tap_pass "$what (none since ${base:0:12})"
        return 0
    fi
    local out="" line n=0
    while read -r line; do
        local file=${line%% *} opts=()
        [ "$file" != "$line" ] && read -r -a opts <<<"${line#* }"
        n=$((n + 1))
        out+=$(cd "$QGA_ROOT" && clang-format --dry-run -Werror "${opts[@]}" "$file" 2>&1)
    done <<<"$ranges"
    if [ -z "$out" ]; then
        tap_pass "$what ($n files since ${base:0:12})"
    else
        tap_fail "$what ($n files since ${base:0:12})" "to fix: scripts/check-style.sh --fix (formats only the changed lines)
$out"
        return 1
    fi
}

# No tracked C file outside tests/ over QGA_STYLE_MAX_FILE_LINES lines.
qga_style_file_lines() {
    local what="no C file outside tests/ over $QGA_STYLE_MAX_FILE_LINES lines" long
    qga_style_git "$what" || return 1
    long=$(cd "$QGA_ROOT" && git ls-files -z -- '*.c' '*.h' ':!:tests/' | xargs -0 -r wc -l |
        awk -v max="$QGA_STYLE_MAX_FILE_LINES" '$2 != "total" && $1 > max { print $2 ": " $1 }')
    if [ -n "$long" ]; then
        tap_fail "$what" "$long"
        return 1
    fi
    tap_pass "$what"
}

# No function in those files over QGA_STYLE_MAX_FUNCTION_LINES lines (from its name to its
# closing brace, as universal-ctags finds them), but those of QGA_STYLE_LONG_FUNCTIONS, which
# may not grow.
qga_style_function_lines() {
    local what="no C function outside tests/ over $QGA_STYLE_MAX_FUNCTION_LINES lines" tags long
    qga_style_git "$what" || return 1
    if ! ctags --version 2>/dev/null | grep -q '^Universal Ctags'; then
        tap_fail "$what" "universal-ctags is not installed (scripts/setup.sh base)"
        return 1
    fi
    if ! tags=$(cd "$QGA_ROOT" && git ls-files -z -- '*.c' '*.h' ':!:tests/' |
            xargs -0 -r ctags -x --languages=C --langmap=C:.c.h --kinds-C=f \
                --_xformat='%{line} %{end} %{input} %{name}'); then
        tap_fail "$what" "ctags failed"
        return 1
    fi
    long=$(awk -v max="$QGA_STYLE_MAX_FUNCTION_LINES" '
        NR == FNR { if (/^[0-9]/) allowed[$2 " " $3] = $1; next }
        $2 ~ /^[0-9]+$/ {
            n = $2 - $1 + 1
            if (n <= max) next
            key = $3 " " $4
            if (!(key in allowed)) print $3 ": " $4 "(): " n " lines"
            else if (n > allowed[key]) print $3 ": " $4 "(): " n " lines, up from " allowed[key]
        }' "$QGA_STYLE_LONG_FUNCTIONS" - <<<"$tags")
    if [ -n "$long" ]; then
        tap_fail "$what" "$long"
        return 1
    fi
    local listed
    listed=$(grep -c '^[0-9]' "$QGA_STYLE_LONG_FUNCTIONS")
    tap_pass "$what ($listed longer ones listed in ${QGA_STYLE_LONG_FUNCTIONS#"$QGA_ROOT"/})"
}

# All of them; fails when any failed.
qga_style_checks() {
    local rc=0
    qga_style_format || rc=1
    qga_style_file_lines || rc=1
    qga_style_function_lines || rc=1
    return $rc
}
