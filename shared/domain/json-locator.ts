/**
 * Finds where things are in a JSON text, for error messages that name a line:
 * the offset of each value by its path, or the offset of the first syntax error.
 * It only locates; values always come from `JSON.parse`.
 */

export type JsonPath = readonly PropertyKey[];

export type JsonLocation =
  | { ok: true; offsets: Map<string, number> }
  | { ok: false; errorOffset: number };

class ScanError extends Error {
  constructor(readonly offset: number) {
    super(`JSON syntax error at offset ${offset}`);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES = '"\\/bfnrtu';
const HEX4 = /[0-9a-fA-F]{4}/y;

export function pathKey(path: JsonPath): string {
  return path.map(String).join('\u0000');
}

/** Scans `text` as JSON, recording the start offset of every value by path. */
export function locateJson(text: string): JsonLocation {
  const offsets = new Map<string, number>();
  let i = 0;
  const fail = (at: number = i): never => {
    throw new ScanError(at);
  };
  const skipSpace = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text.charAt(i))) i++;
  };
  const expect = (c: string): void => {
    skipSpace();
    if (text.charAt(i) !== c) fail();
    i++;
  };
  const scanString = (): string => {
    const start = i;
    i++;
    for (;;) {
      if (i >= text.length) fail();
      const c = text.charAt(i);
      if (c === '"') break;
      if (c < ' ') fail();
      if (c === '\\') {
        if (i + 1 >= text.length || !ESCAPES.includes(text.charAt(i + 1))) fail(i + 1);
        if (text.charAt(i + 1) === 'u') {
          HEX4.lastIndex = i + 2;
          if (!HEX4.test(text)) fail(i + 2);
          i += 4;
        }
        i++;
      }
      i++;
    }
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const scanValue = (path: PropertyKey[]): void => {
    skipSpace();
    offsets.set(pathKey(path), i);
    const c = text.charAt(i);
    if (c === '{') {
      i++;
      skipSpace();
      if (text.charAt(i) === '}') return void i++;
      for (;;) {
        skipSpace();
        if (text.charAt(i) !== '"') fail();
        const key = scanString();
        expect(':');
        scanValue([...path, key]);
        skipSpace();
        if (text.charAt(i) === '}') return void i++;
        expect(',');
      }
    }
    if (c === '[') {
      i++;
      skipSpace();
      if (text.charAt(i) === ']') return void i++;
      for (let index = 0; ; index++) {
        scanValue([...path, index]);
        skipSpace();
        if (text.charAt(i) === ']') return void i++;
        expect(',');
      }
    }
    if (c === '"') return void scanString();
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, i)) return void (i += literal.length);
    }
    NUMBER.lastIndex = i;
    if (!NUMBER.test(text)) fail();
    i = NUMBER.lastIndex;
  };
  try {
    scanValue([]);
    skipSpace();
    if (i < text.length) fail();
    return { ok: true, offsets };
  } catch (error) {
    if (error instanceof ScanError) return { ok: false, errorOffset: error.offset };
    throw error;
  }
}

/** 1-based line of a character offset (offsets past the end count as the last line). */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Line of the value at `path`, or of its nearest ancestor that exists in the text. */
export function lineOfPath(text: string, offsets: Map<string, number>, path: JsonPath): number {
  for (let depth = path.length; depth >= 0; depth--) {
    const offset = offsets.get(pathKey(path.slice(0, depth)));
    if (offset !== undefined) return lineAt(text, offset);
  }
  return 1;
}

/**
 * 1-based line of a `JSON.parse` error in `text`: from V8's "line L column C" if present, else
 * from "position N", else from scanning `text` ourselves (V8's "Unexpected token" messages carry
 * no position), else 1.
 */
export function jsonErrorLine(text: string, message: string): number {
  const lineMatch = /\bline (\d+) column \d+/.exec(message);
  if (lineMatch?.[1] !== undefined) return Number(lineMatch[1]);
  const positionMatch = /\bposition (\d+)/.exec(message);
  if (positionMatch?.[1] !== undefined) return lineAt(text, Number(positionMatch[1]));
  const located = locateJson(text);
  return located.ok ? 1 : lineAt(text, located.errorOffset);
}
