#!/usr/bin/env node
// Import circles between the files of one folder, and the sizes that hide them.
//
//   node tools/import-circles.mjs [--top N] [src]
//
// Reads every `.rs` file under the folder (default `src`), follows its `crate::…`,
// `super::…` and `self::…` paths (in `use` trees and in code, not in comments; `use child::…`
// of a `mod child;` counts as `self::child::…`), resolves each to the file that defines the
// item (through `pub use` re-exports), and keeps the edges between two files of the same
// folder, a folder's `mod.rs` aside (it is its files' parent, not their sibling). It prints
// the strongly connected components of more than one file (circles: files that cannot be
// read, or moved, one without the other), then the largest file and the longest `fn` body,
// by lines (the N largest and longest with `--top N`). Plain node, no dependencies; it
// reads, never writes.
//
// Bins: files under `src/bin/` resolve `crate::` against `src/bin/` (the bin's root).
// It knows Rust only as far as this crate needs: `mod.rs` and `name.rs` + `name/` modules,
// no `#[path]`, no macros that make paths.

import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join, relative, dirname, basename, sep } from 'node:path';

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) || 1 : 1;
const root = args[0] ?? 'src';

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.rs')) out.push(p);
  }
  return out;
}

/** The text with comments, strings and char literals blanked (line breaks kept). */
function code(text) {
  let out = '';
  let i = 0;
  const n = text.length;
  const blank = (s) => s.replace(/[^\n]/g, ' ');
  while (i < n) {
    const c = text[i];
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? n : end;
      out += blank(text.slice(i, stop));
      i = stop;
    } else if (c === '/' && next === '*') {
      let depth = 1;
      let j = i + 2;
      while (j < n && depth > 0) {
        if (text[j] === '/' && text[j + 1] === '*') { depth++; j += 2; }
        else if (text[j] === '*' && text[j + 1] === '/') { depth--; j += 2; }
        else j++;
      }
      out += blank(text.slice(i, j));
      i = j;
    } else if ((c === 'r' || (c === 'b' && next === 'r')) && /^b?r#*"/.test(text.slice(i, i + 40))
      && !/[A-Za-z0-9_]/.test(text[i - 1] ?? '')) {
      const m = /^b?r(#*)"/.exec(text.slice(i, i + 40));
      const close = '"' + m[1];
      const end = text.indexOf(close, i + m[0].length);
      const stop = end < 0 ? n : end + close.length;
      out += '""' + blank(text.slice(i + 2, stop));
      i = stop;
    } else if (c === '"') {
      let j = i + 1;
      while (j < n && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += '"' + blank(text.slice(i + 1, j)) + '"';
      i = j + 1;
    } else if (c === "'") {
      // A char literal ('x', '\n', '\u{..}'); otherwise a lifetime.
      const m = /^'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'\n])'/.exec(text.slice(i, i + 12));
      if (m) { out += "' '" + ' '.repeat(m[0].length - 3); i += m[0].length; }
      else { out += c; i++; }
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** `use` trees flattened to paths: `use a::{b, c::{d, e}};` → a::b, a::c::d, a::c::e. */
function flattenUse(tree) {
  const t = tree.replace(/\s+as\s+[A-Za-z_]\w*/g, '').replace(/\s+/g, '');
  const paths = [];
  const go = (prefix, s) => {
    // Split s at top-level commas.
    let depth = 0, start = 0;
    const parts = [];
    for (let i = 0; i < s.length; i++) {
      if (s[i] === '{') depth++;
      else if (s[i] === '}') depth--;
      else if (s[i] === ',' && depth === 0) { parts.push(s.slice(start, i)); start = i + 1; }
    }
    parts.push(s.slice(start));
    for (const part of parts) {
      if (!part) continue;
      const brace = part.indexOf('{');
      if (brace >= 0) {
        go(prefix + part.slice(0, brace), part.slice(brace + 1, part.lastIndexOf('}')));
      } else {
        paths.push((prefix + part).replace(/::self$/, ''));
      }
    }
  };
  go('', t);
  return paths;
}

const files = walk(root);
const info = new Map(); // file → { crateDir, module: string[] }
for (const f of files) {
  const rel = relative(root, f).split(sep);
  const inBin = rel[0] === 'bin';
  const crateDir = inBin ? join(root, 'bin') : root;
  let parts = relative(crateDir, f).split(sep);
  if (!inBin && parts.length === 1 && parts[0] === 'lib.rs') parts = [];
  else if (inBin && parts.length === 1) parts = []; // a bin's root file
  else {
    const last = parts.pop().replace(/\.rs$/, '');
    if (last !== 'mod') parts.push(last);
  }
  info.set(f, { crateDir, module: parts, root: parts.length === 0 });
}

/** The file that defines the longest prefix of `module` (a path from the crate root). */
function fileOf(crateDir, module, from) {
  for (let k = module.length; k >= 1; k--) {
    const p = join(crateDir, ...module.slice(0, k));
    if (existsSync(p + '.rs')) return p + '.rs';
    if (existsSync(join(p, 'mod.rs'))) return join(p, 'mod.rs');
  }
  // The crate root itself.
  if (info.get(from).crateDir === root) return join(root, 'lib.rs');
  return null;
}

/** `path` (as written in `file`, inside the inline modules `inner`) from the crate root, or
 * null when it does not start at `crate`, `self` or `super`. */
function absolute(file, path, inner = []) {
  const { module } = info.get(file);
  const segs = path.split('::').filter(Boolean);
  let base;
  if (segs[0] === 'crate') { base = []; segs.shift(); }
  else if (segs[0] === 'self' || segs[0] === 'super') {
    base = [...module, ...inner];
    if (segs[0] === 'self') segs.shift();
    while (segs[0] === 'super') { base.pop(); segs.shift(); }
  } else return null;
  return [...base, ...segs];
}

/** The file behind an absolute path, following `pub use` re-exports of module files. */
function fileOfPath(crateDir, abs, from, hops = 0) {
  const target = fileOf(crateDir, abs, from);
  if (!target || hops > 8) return target;
  // Which segment follows the module the file defines?
  const mod = info.get(target)?.module ?? [];
  const name = abs[mod.length];
  const via = reexports.get(target)?.get(name);
  if (name && via) return fileOfPath(crateDir, [...via, ...abs.slice(mod.length + 1)], from, hops + 1);
  return target;
}

function resolve(file, path, inner) {
  const abs = absolute(file, path, inner);
  return abs && fileOfPath(info.get(file).crateDir, abs, file);
}

/** Inline `mod name { … }` blocks of a file: [start, end, name]. */
function inlineModules(c) {
  const out = [];
  for (const m of c.matchAll(/\bmod\s+([A-Za-z_]\w*)\s*\{/g)) {
    let depth = 0, j = m.index + m[0].length - 1;
    for (; j < c.length; j++) {
      if (c[j] === '{') depth++;
      else if (c[j] === '}' && --depth === 0) break;
    }
    out.push([m.index, j, m[1]]);
  }
  return out;
}
const innerAt = (mods, pos) => mods.filter(([s, e]) => s < pos && pos < e).map((m) => m[2]);

// `pub use` re-exports of each file: name → the absolute path it stands for. Paths that start
// with a child module the file declares (`pub use array::NdArray;`) count as `self::`.
const reexports = new Map();
const sources = new Map();
for (const f of files) {
  const c = code(readFileSync(f, 'utf8'));
  sources.set(f, c);
  const children = new Set([...c.matchAll(/\bmod\s+([A-Za-z_]\w*)\s*;/g)].map((m) => m[1]));
  const map = new Map();
  for (const m of c.matchAll(/\bpub(?:\([^)]*\))?\s+use\s+([^;]+);/g)) {
    for (let p of flattenUse(m[1])) {
      if (children.has(p.split('::')[0])) p = 'self::' + p;
      const abs = absolute(f, p);
      if (!abs) continue;
      map.set(abs[abs.length - 1], abs);
    }
  }
  reexports.set(f, map);
}

// A folder's `mod.rs` is its children's parent, not their sibling: it declares them and they
// may use what it defines, so it stays out of the graph (re-exports through it still lead to
// the file that defines the item).
const isRoot = (f) => basename(f) === 'mod.rs';
const edges = new Map(); // file → Set(file), same folder only
const fns = []; // { file, name, start, lines }
const sizes = []; // { file, lines }
for (const f of files) {
  const text = readFileSync(f, 'utf8');
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  sizes.push({ file: f, lines });
  const c = sources.get(f);
  const mods = inlineModules(c);
  const children = new Set([...c.matchAll(/\bmod\s+([A-Za-z_]\w*)\s*;/g)].map((m) => m[1]));
  const paths = []; // [path, inline modules around it]
  for (const m of c.matchAll(/(\bpub(?:\([^)]*\))?\s+)?\buse\s+([^;]+);/g)) {
    // A re-export is no need of this file's: paths through it lead to what it names.
    if (m[1]) continue;
    for (const p of flattenUse(m[2])) {
      const inner = innerAt(mods, m.index);
      paths.push([children.has(p.split('::')[0]) && inner.length === 0 ? 'self::' + p : p, inner]);
    }
  }
  const noUse = c.replace(/\buse\s+[^;]+;/g, (u) => u.replace(/[^\n]/g, ' '));
  for (const m of noUse.matchAll(/(?<![\w:])((?:crate|self|super)(?:::(?:super|[A-Za-z_]\w*))+)/g)) {
    paths.push([m[1], innerAt(mods, m.index)]);
  }
  const to = new Set();
  for (const [p, inner] of paths) {
    if (!/^(crate|self|super)\b/.test(p)) continue;
    const target = resolve(f, p, inner);
    if (target && target !== f && dirname(target) === dirname(f) && !isRoot(f) && !isRoot(target)) {
      to.add(target);
    }
  }
  edges.set(f, to);
  if (process.env.EDGES) for (const t of to) console.log(`edge ${relative(root, f)} -> ${relative(root, t)}`);

  // The longest fn body: from the line of `fn name` to its closing brace.
  const re = /\bfn\s+[A-Za-z_]\w*/g;
  let m;
  while ((m = re.exec(c))) {
    // The body starts at the first `{` after the signature, unless a `;` comes first.
    let i = m.index + m[0].length;
    let paren = 0;
    for (; i < c.length; i++) {
      const ch = c[i];
      if (ch === '(' || ch === '[' || ch === '<') paren++;
      else if (ch === ')' || ch === ']' || ch === '>') paren = Math.max(0, paren - (c[i - 1] === '-' && ch === '>' ? 0 : 1));
      else if (ch === ';' && paren === 0) { i = -1; break; }
      else if (ch === '{' && paren === 0) break;
    }
    if (i < 0 || i >= c.length) continue;
    let depth = 0, j = i;
    for (; j < c.length; j++) {
      if (c[j] === '{') depth++;
      else if (c[j] === '}' && --depth === 0) break;
    }
    const start = c.slice(0, m.index).split('\n').length;
    const end = c.slice(0, j).split('\n').length;
    const n = end - start + 1;
    fns.push({ file: f, name: m[0].replace(/^fn\s+/, ''), start, lines: n });
  }
}

// Tarjan's strongly connected components.
let index = 0;
const idx = new Map(), low = new Map(), onStack = new Set(), stack = [], sccs = [];
function strong(v) {
  idx.set(v, index); low.set(v, index); index++;
  stack.push(v); onStack.add(v);
  for (const w of edges.get(v) ?? []) {
    if (!idx.has(w)) { strong(w); low.set(v, Math.min(low.get(v), low.get(w))); }
    else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const comp = [];
    let w;
    do { w = stack.pop(); onStack.delete(w); comp.push(w); } while (w !== v);
    if (comp.length > 1) sccs.push(comp);
  }
}
for (const f of files) if (!idx.has(f)) strong(f);

const short = (f) => relative(root, f);
console.log(`${sccs.length} import circle${sccs.length === 1 ? '' : 's'} between files of one folder (${files.length} files under ${root}/)`);
for (const comp of sccs.sort((a, b) => short(a[0]).localeCompare(short(b[0])))) {
  const names = comp.map((f) => basename(f)).sort();
  console.log(`  ${short(dirname(comp[0])) || '.'}/: ${names.join(' ↔ ')}`);
}
const most = (list) => list.sort((a, b) => b.lines - a.lines).slice(0, top);
for (const s of most(sizes)) console.log(`largest file: ${short(s.file)} (${s.lines} lines)`);
for (const f of most(fns)) console.log(`longest fn: ${short(f.file)}:${f.start} ${f.name} (${f.lines} lines)`);
