#!/usr/bin/env bash
# Build the vendored GOV.UK Frontend CSS/JS/assets and refresh the vendored
# axe-core used by the e2e tests.
#
#   bash static/src/build.sh        (or: make frontend)
#
# Idempotent: installs exactly what package-lock.json pins (npm ci), wipes and
# regenerates static/govuk/ and tests/e2e/vendor/axe.min.js, then checks the
# output. Needs node >= 20.19 and npm only at build time, never at runtime.
set -euo pipefail

SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATIC_DIR="$(dirname "$SRC_DIR")"
REPO_DIR="$(dirname "$STATIC_DIR")"
OUT_DIR="$STATIC_DIR/govuk"
AXE_DIR="$REPO_DIR/tests/e2e/vendor"
NM="$SRC_DIR/node_modules"
DIST="$NM/govuk-frontend/dist/govuk"

cd "$SRC_DIR"

echo "==> npm ci"
# --ignore-scripts: none of our packages need install scripts.
# --omit=optional: skips @parcel/watcher (only used by `sass --watch`).
npm ci --ignore-scripts --omit=optional --no-audit --no-fund

GOVUK_VERSION="$(node -p 'require("./node_modules/govuk-frontend/package.json").version')"
SASS_VERSION="$(node -p 'require("./node_modules/sass/package.json").version')"
AXE_VERSION="$(node -p 'require("./node_modules/axe-core/package.json").version')"
echo "    govuk-frontend $GOVUK_VERSION, sass $SASS_VERSION, axe-core $AXE_VERSION"

echo "==> clean $OUT_DIR"
rm -rf "$OUT_DIR"
mkdir -p "$OUT_DIR"

echo "==> compile main.scss -> govuk/govuk-frontend.min.css"
"$NM/.bin/sass" \
  --style=compressed \
  --source-map --embed-sources \
  --quiet-deps \
  --load-path="$NM" \
  main.scss "$OUT_DIR/govuk-frontend.min.css"

echo "==> copy JS (ES module) + source map from dist"
cp "$DIST/govuk-frontend.min.js" "$DIST/govuk-frontend.min.js.map" "$OUT_DIR/"

echo "==> copy assets (without the GDS Transport fonts)"
cp -R "$DIST/assets" "$OUT_DIR/assets"
rm -rf "$OUT_DIR/assets/fonts"

echo "==> refresh axe-core for e2e tests"
mkdir -p "$AXE_DIR"
cp "$NM/axe-core/axe.min.js" "$AXE_DIR/axe.min.js"

echo "==> refresh htmx (static/vendor/htmx/)"
HTMX_DIR="$STATIC_DIR/vendor/htmx"
mkdir -p "$HTMX_DIR"
cp "$NM/htmx.org/dist/htmx.min.js" "$HTMX_DIR/htmx.min.js"
cp "$NM/htmx.org/LICENSE" "$HTMX_DIR/LICENSE"

echo "==> check output"
node - "$OUT_DIR" "$AXE_DIR/axe.min.js" <<'JS'
const fs = require("fs");
const path = require("path");
const [outDir, axeFile] = process.argv.slice(2);
const errors = [];
const mustExist = [
  "govuk-frontend.min.css", "govuk-frontend.min.css.map",
  "govuk-frontend.min.js", "govuk-frontend.min.js.map",
  "assets/manifest.json",
];
for (const f of mustExist) {
  if (!fs.existsSync(path.join(outDir, f))) errors.push(`missing output file ${f}`);
}
if (!fs.existsSync(axeFile)) errors.push(`missing ${axeFile}`);
const htmxFile = path.join(path.dirname(outDir), "vendor/htmx/htmx.min.js");
if (!fs.existsSync(htmxFile)) errors.push(`missing ${htmxFile}`);
if (fs.existsSync(path.join(outDir, "assets/fonts"))) errors.push("assets/fonts must not be shipped");

// Every file's sourceMappingURL must point at a file next to it
// (Django's ManifestStaticFilesStorage fails collectstatic otherwise).
function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]);
}
for (const file of walk(outDir).filter((f) => /\.(css|js)$/.test(f))) {
  const text = fs.readFileSync(file, "utf8");
  for (const m of text.matchAll(/sourceMappingURL=([^\s*]+)/g)) {
    const target = path.resolve(path.dirname(file), m[1]);
    if (m[1].startsWith("data:")) continue;
    if (!fs.existsSync(target)) errors.push(`${path.relative(outDir, file)}: sourceMappingURL ${m[1]} does not exist`);
  }
}

// Every url(...) in the CSS must be relative and resolve to an existing file.
const cssFile = path.join(outDir, "govuk-frontend.min.css");
const css = fs.readFileSync(cssFile, "utf8");
if (/GDS Transport/i.test(css)) errors.push("CSS mentions GDS Transport");
if (/\.woff2?\b/i.test(css)) errors.push("CSS references .woff/.woff2 font files");
if (/@font-face/i.test(css)) errors.push("CSS contains @font-face");
let count = 0;
for (const m of css.matchAll(/url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"]*))\s*\)/g)) {
  const url = (m[1] ?? m[2] ?? m[3]).trim();
  if (url.startsWith("data:") || url.startsWith("#")) continue;
  count++;
  if (/^([a-z]+:)?\/\//i.test(url) || url.startsWith("/")) {
    errors.push(`CSS url() is not relative: ${url}`);
    continue;
  }
  const target = path.resolve(outDir, url.split(/[?#]/)[0]);
  if (!fs.existsSync(target)) errors.push(`CSS url(${url}) does not resolve to a file`);
}
if (errors.length) {
  console.error("BUILD CHECK FAILED:\n  " + errors.join("\n  "));
  process.exit(1);
}
console.log(`    ok: ${count} url() references resolve, source maps present, no GDS Transport fonts`);
JS

echo "==> done"
( cd "$REPO_DIR" && ls -l static/govuk/govuk-frontend.min.* tests/e2e/vendor/axe.min.js )
