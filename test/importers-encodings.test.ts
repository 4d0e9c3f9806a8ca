import { describe, expect, it } from "vitest";
import { decodeCsv, detectEncoding } from "../core/src/importers/decode.ts";
import { encodeText } from "../core/src/importers/encode-for-tests.ts";

// The statement importers run in the worker too (an upload in the web app), so the encodings they read are checked
// here, in workerd: every CSV encoding is a TextDecoder label it has, and detection picks the right code page for
// real words. (The importers' own tests, in Node, run the same on Node 22.)

/** Statement lines in each code page's languages, with the letters that tell the code pages apart. */
const SAMPLES = [
  { encoding: "windows-1250", text: "Data;Opis;Kwota\n2026-01-05;Płatność kartą Żabka Łódź;-12,50\n2026-01-06;Przelew przychodzący wynagrodzenie;4 200,00\n" },
  { encoding: "windows-1250", text: "Datum;Popis;Částka\n05.01.2026;Převod na účet, nákup Tesco Brno;-350,00\n06.01.2026;Příchozí platba mzda;42 000,00\n" },
  { encoding: "windows-1250", text: "Könyvelés dátuma;Partner név;Összeg\n2026.01.05;Előző havi díj visszatérítés;1 200\n2026.01.06;Átutalás Jóváírás Győr;-5 000\n" },
  { encoding: "windows-1252", text: "Date;Libellé;Montant\n05/01/2026;Café de la Gare — reçu;-3,50\n06/01/2026;Dépôt espèces à l'agence;150,00\n" },
  { encoding: "windows-1252", text: "Buchungstag;Verwendungszweck;Betrag\n05.01.2026;Überweisung Gebühr Bäckerei Müller;-4,20\n" },
  { encoding: "windows-1257", text: "Data;Aprašymas;Suma\n2026-01-05;Mokėjimas už prekes, Vilnius;-12,50\n2026-01-06;Įmoka į sąskaitą, gauta;300,00\n" },
  { encoding: "windows-1257", text: "Datums;Apraksts;Summa\n05.01.2026;Pārskaitījums, saņemts maksājums no Rīgas;200,00\n06.01.2026;Karšu darījums Ķekava;-8,40\n" },
  { encoding: "iso-8859-15", text: "Date;Libellé;Montant\n05/01/2026;Œuvre d'art, cœur de ville;-12,50 €\n" },
] as const;

describe("CSV encodings in workerd", () => {
  it("has a TextDecoder for every CSV encoding", () => {
    for (const label of ["utf-8", "windows-1250", "windows-1252", "windows-1257", "iso-8859-1", "iso-8859-15"]) expect(() => new TextDecoder(label)).not.toThrow();
    expect(new TextDecoder("windows-1250").decode(new Uint8Array([0xb9, 0xb3, 0xe6]))).toBe("ąłć");
    expect(new TextDecoder("windows-1257").decode(new Uint8Array([0xe0, 0xeb, 0xf0]))).toBe("ąėš");
    expect(new TextDecoder("iso-8859-15").decode(new Uint8Array([0xa4, 0xbd]))).toBe("€œ");
  });

  it("tells the code pages apart on real words, and reads UTF-8 with or without a byte-order mark", () => {
    for (const { encoding, text } of SAMPLES) {
      expect([text.slice(0, 20), detectEncoding(encodeText(text, encoding))]).toEqual([text.slice(0, 20), encoding]);
      expect(decodeCsv(encodeText(text, encoding)).text).toBe(text);
      expect(decodeCsv(encodeText(text, "utf-8", true))).toEqual({ text, encoding: "utf-8" });
      expect(decodeCsv(encodeText(text, "utf-8"))).toEqual({ text, encoding: "utf-8" });
    }
  });
});
