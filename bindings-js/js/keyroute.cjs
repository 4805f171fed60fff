"use strict";
// The CommonJS entry (what require of "keyroute" loads, and Node's import via
// node.js): the package is keyroute-impl.cjs. The indirection is for Node's
// ESM loader, which scans a CommonJS file it imports for export names: it
// scans these lines, not the 165 KB of code (exporting the required module
// in one assignment would make it follow the file and scan that too).
const keyroute = require("./keyroute-impl.cjs");
module.exports = keyroute;
