#!/usr/bin/env bash
# The patient's handout (medius assess --format=html) in a real browser,
# Debian's Chromium, headless: printed to PDF it is one A4 page; at A4
# width (794 CSS px) nothing scrolls sideways; the screenshot has ink, and
# the red "see a doctor" box shows for a red flag and not otherwise; the
# exercises and advice are in the rendered page.
# Usage: handout_browser_test.sh SERVER CLI SOURCE_DIR
# Exit 77 (skipped) without chromium, unless MEDIUS_REQUIRE_BROWSER=1.
set -euo pipefail
server=$1
cli=$2
src=$3
. "$(dirname "$0")/../lib/common.sh"
chromium=$(command -v chromium || true)
need_tool MEDIUS_REQUIRE_BROWSER "$chromium" "apt-get install chromium"
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
start_server "$server" "$src/knowledge" "$tmp"
medius() { "$cli" --server="127.0.0.1:$port" "$@"; }

browse() {  # browse OUT_PREFIX HTML: .pdf, .png and .dom of the page
  local out=$1 html=$2
  local flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars
               --user-data-dir="$tmp/profile" --no-first-run --disable-extensions
               --window-size=794,1123)
  "$chromium" "${flags[@]}" --no-pdf-header-footer --print-to-pdf="$out.pdf" "file://$html" \
    >/dev/null 2>"$out.log" || fail "chromium could not print $html: $(tail -3 "$out.log")"
  "$chromium" "${flags[@]}" --screenshot="$out.png" "file://$html" \
    >/dev/null 2>>"$out.log" || fail "chromium could not screenshot $html"
  # The layout, measured by the browser: a copy of the page that writes its
  # own scroll size into the DOM, which --dump-dom prints.
  sed 's|</body>|<script>document.body.dataset.size = document.documentElement.scrollWidth + "x" + document.documentElement.scrollHeight;</script></body>|' \
    "$html" >"$out.measure.html"
  "$chromium" "${flags[@]}" --dump-dom "file://$out.measure.html" >"$out.dom" 2>>"$out.log" ||
    fail "chromium could not load $html"
}

# check OUT_PREFIX WANT_RED: one page, fits the width, ink, red box or not.
check() {
  python3 - "$1" "$2" <<'PY'
import re, struct, sys, zlib
out, want_red = sys.argv[1], sys.argv[2] == "1"
def fail(msg):
    print("FAIL:", out, msg, file=sys.stderr); sys.exit(1)
pdf = open(out + ".pdf", "rb").read()
pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
if pages != 1: fail(f"prints on {pages} pages, want 1")
dom = open(out + ".dom", encoding="utf-8").read()
m = re.search(r'data-size="(\d+)x(\d+)"', dom)
if not m: fail("the page did not measure itself")
if int(m.group(1)) > 794: fail(f"scrolls sideways at A4 width: {m.group(1)} px")
png = open(out + ".png", "rb").read()
if png[:8] != b"\x89PNG\r\n\x1a\n": fail("screenshot is not a PNG")
pos, idat, w = 8, b"", 0
while pos < len(png):
    n, kind = struct.unpack(">I4s", png[pos:pos + 8])
    body = png[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
        if depth != 8 or color not in (2, 6) or interlace: fail("unexpected PNG format")
        bpp = 3 if color == 2 else 4
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
if (w, h) != (794, 1123): fail(f"screenshot is {w}x{h}")
raw, stride, prev, rows = zlib.decompress(idat), w * bpp, bytearray(w * bpp), []
for y in range(h):  # PNG row filters
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line); prev = line
ink = red = 0
for line in rows:
    for x in range(0, stride, bpp):
        r, g, b = line[x], line[x + 1], line[x + 2]
        if r + g + b < 600: ink += 1
        if r > 150 and g < 60 and b < 60: red += 1
share = ink / (w * h)
if not 0.005 < share < 0.5: fail(f"ink covers {share:.1%} of the page")
if want_red and red < 200: fail(f"no red 'see a doctor' box ({red} red pixels)")
if not want_red and red: fail(f"{red} red pixels without a red flag")
print(f"{out}: 1 page, {m.group(1)} px wide, ink {share:.1%}, red {red} px")
PY
}

# A tendinopathy: the exercises and advice.
medius --format=html assess "$src/examples/gluteal_tendinopathy.json" >"$tmp/plan.html" ||
  fail "assess --format=html"
medius --format=json assess "$src/examples/gluteal_tendinopathy.json" >"$tmp/plan.json"
grep -q '"PROTOCOL_STATUS_RECOMMENDED"' "$tmp/plan.json" || fail "the demo case has no protocol to hand out"
browse "$tmp/plan" "$tmp/plan.html"
check "$tmp/plan" 0
grep -q '<h2>Your exercises</h2>' "$tmp/plan.dom" || fail "no exercises heading in the rendered page"
n=$(grep -o '<li><span class="name">' "$tmp/plan.dom" | wc -l)
[ "$n" -ge 2 ] || fail "only $n exercises rendered"
grep -q 'How much:' "$tmp/plan.dom" || fail "no dosage rendered"
medius --format=markdown assess "$src/examples/gluteal_tendinopathy.json" >"$tmp/plan.md"
grep -q '^## Your exercises' "$tmp/plan.md" || fail "markdown handout has no exercises"

# A fall with a shortened, externally rotated leg: see a doctor, no exercise.
cat >"$tmp/fall.json" <<'JSON'
{ "encounterId": "handout-fall",
  "patient": { "ageYears": 81, "sex": "SEX_FEMALE", "affectedSide": "SIDE_RIGHT" },
  "findings": [
    { "code": "lateral_hip_pain", "present": true },
    { "code": "fall_onto_hip", "present": true },
    { "code": "inability_to_weight_bear", "present": true },
    { "code": "leg_shortened_externally_rotated", "present": true } ] }
JSON
medius --format=html assess "$tmp/fall.json" >"$tmp/fall.html" || fail "assess --format=html (fall)"
browse "$tmp/fall" "$tmp/fall.html"
check "$tmp/fall" 1
grep -q 'Go to the emergency department now' "$tmp/fall.dom" || fail "fall: no emergency wording"
if grep -q '<span class="name">' "$tmp/fall.dom"; then fail "fall: exercises handed out"; fi
echo PASS
