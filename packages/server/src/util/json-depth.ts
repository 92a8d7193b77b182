/**
 * Whether JSON text nests arrays/objects deeper than `max`, found by one pass over the bytes
 * (strings and escapes skipped) before any parsing: a deep frame costs O(length), never a
 * parser's recursion or a validator's. Works on a Buffer (UTF-8) or a string.
 */
export function jsonTooDeep(text: Buffer | string, max: number): boolean {
  const isBuf = typeof text !== 'string';
  const n = text.length;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < n; i++) {
    const c = isBuf ? (text as Buffer)[i]! : (text as string).charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return false;
}
