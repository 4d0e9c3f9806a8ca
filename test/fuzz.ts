import fc from "fast-check";

// Hostile input for the fuzz tests of the API and the sockets: text that is not JSON, JSON of any shape, and
// valid bodies with one part swapped for something of the wrong type, huge, deeply nested or odd unicode.

/** Text a parser must survive: unicode (lone surrogates too), near-JSON, deep nesting and long strings, up to about `maxLength`. */
export function hostileText(maxLength = 400_000): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: "grapheme", maxLength: 200 }),
    fc.string({ unit: "binary", maxLength: 200 }),
    fc.constantFrom("", "{", "[", "null", "true", "0", "\u0000", '{"a":', '"\\ud800"', "{}}", "[1,]", '{"__proto__":{"x":1}}', "\uFEFF{}"),
    fc.integer({ min: 1, max: Math.floor(maxLength / 2) }).map((depth) => "[".repeat(depth) + "]".repeat(depth)),
    fc.integer({ min: 1, max: Math.floor(maxLength / 6) }).map((depth) => '{"a":'.repeat(depth) + "1" + "}".repeat(depth)),
    fc.integer({ min: 1, max: maxLength }).map((length) => "x".repeat(length)),
  );
}

/** A value of the wrong type for any field. */
export const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e308, -0, "", [], {}, "javascript:alert(1)", "../../etc/passwd", "💥".repeat(50)),
  fc.string({ unit: "binary", maxLength: 100 }),
  fc.integer({ min: 1_000, max: 30_000 }).map((length) => "y".repeat(length)),
  fc.jsonValue({ maxDepth: 3 }),
);

/** A valid body with one field replaced, removed, or joined by an unknown one. */
export function mutated(valid: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(valid);
  return fc.oneof(
    fc.record({ key: fc.constantFrom(...keys), value: weirdValue }).map(({ key, value }) => ({ ...valid, [key]: value })),
    fc.constantFrom(...keys).map((key) => Object.fromEntries(Object.entries(valid).filter(([k]) => k !== key))),
    fc.record({ key: fc.string({ maxLength: 20 }), value: weirdValue }).map(({ key, value }) => ({ ...valid, [key]: value })),
  );
}

/** A request body or socket frame: garbled text, any JSON, or a mutation of `valid`, as the text sent. */
export function hostileBody(valid: Record<string, unknown>, maxLength?: number): fc.Arbitrary<string> {
  return fc.oneof(hostileText(maxLength), fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)), mutated(valid).map((value) => JSON.stringify(value) ?? "null"));
}
