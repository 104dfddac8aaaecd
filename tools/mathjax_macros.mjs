// The macro names that Jupyter's MathJax knows, written to builder/write/mathjax.json: JupyterLab 4
// typesets with MathJax 3 and every TeX package of it (AllPackages, plus `require`, as
// @jupyterlab/mathjax-extension configures it).  The notebook writer (write/export.py) names a
// macro of the notebook's math outside this list, which Jupyter would show in red.
//
//   npm install --prefix /tmp/mathjax mathjax-full@3.2.2
//   NODE_PATH=/tmp/mathjax/node_modules node tools/mathjax_macros.mjs
import { createRequire } from "module";
import { writeFileSync } from "fs";

const require = createRequire(process.env.NODE_PATH + "/");
const { AllPackages } = require("mathjax-full/js/input/tex/AllPackages.js");
const { ConfigurationHandler } = require("mathjax-full/js/input/tex/Configuration.js");
const { MapHandler } = require("mathjax-full/js/input/tex/MapHandler.js");
require("mathjax-full/js/input/tex/require/RequireConfiguration.js");

const maps = ["text-macros"]; // textmacros: the macros of \text{...}
for (const pkg of [...AllPackages, "require"]) {
  const handler = ConfigurationHandler.get(pkg).handler;
  for (const kind of ["character", "delimiter", "macro"]) maps.push(...(handler[kind] || []));
}
const names = new Set();
for (const map of maps.map((name) => MapHandler.getMap(name))) {
  for (const key of map?.map?.keys() ?? []) {
    const name = key.replace(/^\\/, "");
    if (/^[A-Za-z]+$/.test(name)) names.add(name);
  }
}
const version = require("mathjax-full/package.json").version;
const out = new URL("../builder/write/mathjax.json", import.meta.url);
const data = { source: `mathjax-full ${version}, AllPackages + require`, macros: [...names].sort() };
writeFileSync(out, JSON.stringify(data) + "\n");
console.log(`${names.size} macro names -> builder/write/mathjax.json`);
