import { describe, expect, it } from "vitest";
import type { CsvLayout } from "#protocol";
import { headerScore } from "./csv-words.ts";
import { readingScore, sampleHighLines } from "./decode.ts";
import { encodeText } from "./encode-for-tests.ts";
import { sniffCsv } from "./sniff.ts";
import { importStatement } from "./statement.ts";

// Files built to be slow: the reader runs in the agent (where a stuck read blocks its event loop) and in the
// worker (with its CPU limit), on whatever the user's bank or anyone else wrote. Each must read in linear time.

const utf8 = (text: string) => new TextEncoder().encode(text);
const layout: CsvLayout = { encoding: "utf-8", delimiter: ";", decimal: ",", thousands: "", date_order: "DMY", header: true, skip_lines: 0, date: "Datum", description: ["Text"], sign: { kind: "signed", amount: "Betrag" }, default_currency: "EUR" };

describe("a CSV reader that cannot be stalled", () => {
  it("reads one transaction followed by 300 000 lines of junk quickly, calling them a footer", () => {
    const text = `Datum;Text;Betrag\n05.01.2026;Miete;-800,00\n${"x;y\n".repeat(300_000)}`;
    const started = Date.now();
    const read = importStatement("junk.csv", utf8(text), { layout });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(read.events).toHaveLength(1);
    expect(read.refused).toEqual([]);
    expect(read.skipped).toHaveLength(300_000);
    expect(read.skipped[0]).toEqual({ row: 3, reason: "a summary line after the table" });
    expect(read.skipped.at(-1)).toEqual({ row: 300_002, reason: "a summary line after the table" });
  }, 20_000);

  it("scores a header cell of 100 000 brackets quickly, and still knows 'Betrag (EUR)'", () => {
    const started = Date.now();
    expect(headerScore("(".repeat(100_000), "amount")).toBe(0);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(headerScore("Betrag (EUR)", "amount")).toBe(3);
    expect(headerScore("Amount ( $ )", "amount")).toBe(3);
    const sniff = sniffCsv(utf8(`Datum;Text;${"(".repeat(200_000)}\n05.01.2026;Miete;-800,00\n06.01.2026;Gehalt;2000,00\n`));
    expect(sniff.layout.date).toBe("Datum");
  }, 20_000);
});

describe("the encoding detector's sample", () => {
  it("keeps each line with a byte above ASCII whole, so a sign inside a word is seen as one", () => {
    const bytes = encodeText("Data;Opis\n05.01.2026;Mały sklep\n06.01.2026;Rent\n", "windows-1250");
    const sample = new TextDecoder("windows-1252").decode(sampleHighLines(bytes, 1000));
    expect(sample).toBe("05.01.2026;Ma³y sklep\n");
    // 1250's "ł" read as 1252's "³" sits inside a word: that costs more than a sign on its own.
    expect(readingScore(sample)).toBeLessThan(readingScore("05.01.2026;Ma ³ y sklep\n"));
  });
});
