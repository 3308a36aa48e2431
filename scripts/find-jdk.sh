# Sourced by ./qwen4j and ./run-tests: sets JAVA_HOME to a JDK >= 25 or exits with a clear message.
# The JDK's `release` file names its version; reading it saves starting a JVM (~50 ms) on every launch.
jdk_major() {
  local v=""
  [ -f "$1/release" ] && v="$(sed -n 's/^JAVA_VERSION="\([0-9][0-9]*\).*/\1/p' "$1/release")"
  [ -n "$v" ] && { echo "$v"; return; }
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'
}
found=""
for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64; do
  if [ -n "$candidate" ] && [ -x "$candidate/bin/java" ]; then
    major="$(jdk_major "$candidate")"
    if [ -n "$major" ] && [ "${major%%.*}" -ge 25 ] 2>/dev/null; then found="$candidate"; break; fi
  fi
done
if [ -z "$found" ]; then
  echo "qwen4j: needs JDK 25 or newer: set JAVA_HOME to one (looked at \$JAVA_HOME and /usr/lib/jvm/temurin-25-jdk-amd64)" >&2
  exit 1
fi
export JAVA_HOME="$found"
