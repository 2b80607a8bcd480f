#!/usr/bin/env bash
# Builds the runtime layer of the FROM-scratch Java images (profile offline-images) into the directory $1:
#   opt/jre/          a JRE jlinked from $JAVA_HOME with the modules $2 (comma-separated)
#   lib/, lib64/      the glibc libraries that JRE links against, and the dynamic loader, at the paths ldd reports
#   tmp/              empty (the image's /tmp)
# The root pom runs it once per build; the Java image modules copy the directory into their runtime layer.
# Nothing is done when the directory was built from the same inputs (JDK, modules, this script, glibc).
set -euo pipefail
# (no reader in a pipeline below stops early: with pipefail, a writer killed by SIGPIPE would fail the script)

out=${1:?output directory}
modules=${2:?comma-separated JDK modules}
java_home=${JAVA_HOME:?JAVA_HOME must point at a JDK with jlink}
jre="$out/opt/jre"

# Native libraries for a desktop session (X11, sound, splash screen); java.desktop is included for java.beans only.
exclude='glob:**/libawt_xawt.so,glob:**/libjawt.so,glob:**/libsplashscreen.so,glob:**/libjsound.so'

inputs=$( { cat "$0"; echo "$modules"; cat "$java_home/release"; ldd --version 2>&1; } | sha256sum | cut -d' ' -f1)
if [ -f "$out/.inputs" ] && [ "$(cat "$out/.inputs")" = "$inputs" ]; then
  echo "runtime layer in $out is up to date"
  exit 0
fi
rm -rf "$out"
mkdir -p "$out/tmp"

"$java_home/bin/jlink" --add-modules "$modules" --exclude-files="$exclude" \
  --strip-debug --no-header-files --no-man-pages --output "$jre"

# Every shared object the JRE's executables and libraries need from outside the JRE, as ldd resolves them
# (libjvm.so is found through the library path, as the launcher finds it).
libs=$(find "$jre/bin" "$jre/lib" -type f \( -perm -u+x -o -name '*.so' \) -print0 \
  | while IFS= read -r -d '' object; do LD_LIBRARY_PATH="$jre/lib/server" ldd "$object" 2>/dev/null || true; done \
  | awk -v jre="$jre" '
      /not found/ { print "MISSING " $1; next }
      $2 == "=>" && $3 ~ /^\// && index($3, jre) != 1 { print $3; next }
      $1 ~ /^\// && $2 != "=>" { print $1 }' \
  | sort -u)
if grep -q '^MISSING' <<<"$libs"; then
  echo "libraries the JRE needs are missing on this machine:" >&2
  grep '^MISSING' <<<"$libs" >&2
  exit 1
fi
# glibc loads libgcc_s at run time (thread cancellation and unwinding); ldd cannot see that.
gcc_s=$({ ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true; } \
  | awk '$1 == "libgcc_s.so.1" && /x86-64/ && !found { print $NF; found = 1 }')
for lib in $libs $gcc_s; do
  # the path the loader looks the library up by, with the content of the file it names
  mkdir -p "$out$(dirname "$lib")"
  cp -L "$lib" "$out$lib"
done

echo "$inputs" > "$out/.inputs"
echo "runtime layer: $(du -sh "$out" | cut -f1) in $out ($(tr '\n' ' ' <<<"$libs"))"
