#!/bin/sh
# Build the qga-compat MSI: wixl, then the table edits wixl 0.101 cannot express (msibuild SQL).
# Usage: build-msi.sh WIXL MSIBUILD MSIINFO WXS EXE VERSION OUTPUT   (tools from msitools)
set -eu
wixl=$1 msibuild=$2 msiinfo=$3 wxs=$4 exe=$5 version=$6 out=$7
wxs=$(cd "$(dirname "$wxs")" && pwd)/$(basename "$wxs")
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
# ProductVersion is major.minor.build, numbers only (Windows Installer compares the first three).
case $version in
    *[!0-9.]*|'') echo "build-msi.sh: version '$version' is not an MSI ProductVersion (digits and dots)" >&2; exit 1 ;;
esac

# wixl looks up File/@Source relative to its working directory (-I is for <?include?> only):
# gather the payload in a staging directory beside the output.
stage=$out.stage
rm -rf "$stage"
mkdir -p "$stage"
cp "$exe" "$stage/qga-compat.exe"
cp "$(dirname "$wxs")/qga-compat.conf" "$stage/qga-compat.conf"
# -a x64: a 64-bit package (Template x64;1033); the .wxs must not carry Platform= (wixl ignores it).
(cd "$stage" && "$wixl" -a x64 -D "Version=$version" -o "$out.tmp" "$wxs")
rm -rf "$stage"

# Component attributes of the config file: 256 (64-bit) + 16 (Permanent: a major upgrade first
# uninstalls the old product, which would delete an edited config) + 128 (NeverOverwrite: an
# existing file is never replaced). wixl drops both WiX attributes with only a warning.
# The silent-install properties join SecureCustomProperties, so a per-machine install passes
# them from the client to the elevated server side (WiX's Secure="yes", unknown to wixl).
"$msibuild" "$out.tmp" -q "UPDATE \`Component\` SET \`Attributes\` = 400 WHERE \`Component\` = 'QgaConfComp'"
secure=$("$msiinfo" export "$out.tmp" Property | sed -n 's/^SecureCustomProperties\t//p' | tr -d '\r')
secure="${secure:+$secure;}CHANNELMETHOD;CHANNELPATH;BLOCKRPCS;ALLOWRPCS;LOGFILE;VERBOSE;G2H"
"$msibuild" "$out.tmp" -q "UPDATE \`Property\` SET \`Value\` = '$secure' WHERE \`Property\` = 'SecureCustomProperties'"
# EventMessageFile is REG_EXPAND_SZ (as `qga-compat.exe -s install` writes it): wixl 0.101 writes
# Type="expandable" values as plain strings, without the Registry table's #% prefix.
"$msibuild" "$out.tmp" -q "UPDATE \`Registry\` SET \`Value\` = '#%[#QgaExe]' WHERE \`Name\` = 'EventMessageFile'"
# The marker of a QEMU-GA we disabled is installed only when there is one (qga-compat.wxs).
"$msibuild" "$out.tmp" -q "UPDATE \`Component\` SET \`Condition\` = 'QGA_QEMUGA_RESTORE' WHERE \`Component\` = 'QemuGaMarkerComp'"
mv "$out.tmp" "$out"
