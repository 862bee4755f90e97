// Where a policy problem's path (as `claims[1].when.attributes["email"]`)
// stands in the JSON text: a small position-keeping JSON reader, tolerant
// enough for text being typed. Returns {from, to}, the deepest part of the
// path that exists; null when the text is not JSON.

function skipWs(t, i) {
  while (i < t.length && " \t\r\n".includes(t[i])) i++;
  return i;
}

function readString(t, i) {
  // t[i] === '"'
  let j = i + 1;
  let out = "";
  while (j < t.length && t[j] !== '"') {
    if (t[j] === "\\") {
      const c = t[j + 1];
      const map = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", '"': '"', "\\": "\\", "/": "/" };
      if (c === "u") {
        out += String.fromCharCode(parseInt(t.slice(j + 2, j + 6), 16));
        j += 6;
        continue;
      }
      out += map[c] ?? c;
      j += 2;
      continue;
    }
    out += t[j++];
  }
  if (j >= t.length) throw new Error("unterminated string");
  return { value: out, end: j + 1 };
}

function readValue(t, i) {
  i = skipWs(t, i);
  const start = i;
  const c = t[i];
  if (c === "{") {
    const members = [];
    i = skipWs(t, i + 1);
    if (t[i] === "}") return { kind: "object", start, end: i + 1, members };
    for (;;) {
      i = skipWs(t, i);
      if (t[i] !== '"') throw new Error("expected a key");
      const key = readString(t, i);
      const keyStart = i;
      i = skipWs(t, key.end);
      if (t[i] !== ":") throw new Error("expected :");
      const value = readValue(t, i + 1);
      members.push({ key: key.value, keyStart, keyEnd: key.end, value });
      i = skipWs(t, value.end);
      if (t[i] === ",") { i++; continue; }
      if (t[i] === "}") return { kind: "object", start, end: i + 1, members };
      throw new Error("expected , or }");
    }
  }
  if (c === "[") {
    const items = [];
    i = skipWs(t, i + 1);
    if (t[i] === "]") return { kind: "array", start, end: i + 1, items };
    for (;;) {
      const value = readValue(t, i);
      items.push(value);
      i = skipWs(t, value.end);
      if (t[i] === ",") { i++; continue; }
      if (t[i] === "]") return { kind: "array", start, end: i + 1, items };
      throw new Error("expected , or ]");
    }
  }
  if (c === '"') {
    const s = readString(t, i);
    return { kind: "string", start, end: s.end };
  }
  const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(t.slice(i));
  if (!m) throw new Error("unexpected character");
  return { kind: "scalar", start, end: i + m[0].length };
}

/** The segments of a problem path: names, [index] and ["key"]. */
export function segments(path) {
  const out = [];
  const re = /\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|([^.[\]]+)/g;
  let m;
  while ((m = re.exec(path)) !== null) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(JSON.parse(`"${m[2]}"`));
    else out.push(m[3]);
  }
  return out;
}

/** The text range of `path` in `text`. */
export function locate(text, path) {
  let root;
  try {
    root = readValue(text, 0);
  } catch {
    return null;
  }
  let node = root;
  let range = { from: root.start, to: Math.min(root.start + 1, root.end) };
  for (const seg of segments(path)) {
    if (typeof seg === "number" && node.kind === "array" && node.items[seg]) {
      node = node.items[seg];
      range = { from: node.start, to: node.end };
    } else if (typeof seg === "string" && node.kind === "object") {
      const member = node.members.find((m) => m.key === seg);
      if (!member) break;
      range = { from: member.keyStart, to: member.keyEnd };
      node = member.value;
    } else {
      break;
    }
  }
  return range;
}

/** The offset of serde's "line L column C" in a message, if any. */
export function lineColumn(text, message) {
  const m = /line (\d+) column (\d+)/.exec(message);
  if (!m) return null;
  const lines = text.split("\n");
  const line = Math.min(Number(m[1]), lines.length) - 1;
  let offset = 0;
  for (let i = 0; i < line; i++) offset += lines[i].length + 1;
  const at = Math.min(offset + Math.max(Number(m[2]) - 1, 0), text.length);
  return { from: Math.max(at - 1, 0), to: at };
}
