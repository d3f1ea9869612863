#!/usr/bin/env bash
# The native tier's style checks, by hand: clang-format (.clang-format) on the C files changed
# since .clang-format was last committed, and STYLE.md's limits of 800 lines a file and 100 a
# function (outside tests/). Ends with "N passed, M failed"; exits non-zero when one failed.
#
# Usage: scripts/check-style.sh       (needs git, clang-format, universal-ctags: setup.sh base)
#        scripts/check-style.sh --fix   (clang-format -i on exactly the lines the first check reads)
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$QGA_ROOT/tests/lib/tap.sh"
source "$QGA_ROOT/scripts/lib/style.sh"

if [ "${1:-}" = --fix ]; then
    qga_style_format_fix
    exit
fi
qga_style_checks
tap_closing_line
