// Preloaded by scripts/electronegativity.mjs. electronegativity 1.10.3 parses TypeScript with
// @typescript-eslint/typescript-estree 4, which npm hoists to the top of node_modules, where
// `require('typescript')` finds the project's TypeScript 7 (no compiler API in JavaScript). Send that
// one require to the TypeScript 4.2 electronegativity ships for it; nothing else is changed.
const Module = require('node:module');
const path = require('node:path');

const own = path.join(path.dirname(require.resolve('@doyensec/electronegativity/package.json')), 'node_modules', 'typescript');
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  if (request === 'typescript' && parent && /[\\/]@typescript-eslint[\\/]typescript-estree[\\/]/.test(parent.filename)) {
    return resolveFilename.call(this, own, parent, ...rest);
  }
  return resolveFilename.call(this, request, parent, ...rest);
};
