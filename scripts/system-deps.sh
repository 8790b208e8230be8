#!/usr/bin/env bash
# Install the Debian packages starcoach needs, where we can; otherwise say exactly what to install.
#   scripts/system-deps.sh run    PortAudio (microphone), espeak-ng (fallback interviewer voice)
#   scripts/system-deps.sh test   + PulseAudio for the virtual microphone, ffmpeg for format tests,
#                                 chromium for the HTML report test
# Never fails: a missing package is reported and set-up continues with what it can.
set -u
want="libportaudio2 espeak-ng"
if [ "${1:-run}" = test ]; then
  want="$want pulseaudio pulseaudio-utils libasound2-plugins ffmpeg chromium"
fi
missing=""
for p in $want; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "starcoach set-up: installing system packages:$missing"
  (apt-get update -qq || true) >/dev/null 2>&1
  if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/tmp/starcoach-apt.log 2>&1; then
    exit 0
  fi
  echo "starcoach set-up: apt-get could not install:$missing (log: /tmp/starcoach-apt.log)"
fi
echo "starcoach set-up: please install these system packages, then re-run:"
echo "    sudo apt-get install$missing"
echo "  (macOS: brew install portaudio espeak-ng; other Linux: your distribution's PortAudio, espeak-ng, PulseAudio packages)"
echo "starcoach set-up: continuing with what is available."
exit 0
