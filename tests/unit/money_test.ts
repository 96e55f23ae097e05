import assert from "node:assert/strict";
import {
  addMoney,
  formatMoney,
  money,
  MoneyError,
  parseDecimal,
  parseMoney,
  subtractMoney,
  sumDecimals,
  toMinorUnits,
} from "@/lib/money.ts";

Deno.test("money arithmetic stays in integers and refuses mixed currencies", () => {
  assert.deepEqual(subtractMoney(money(1000, "USD"), money(1250, "USD")), {
    amountMinor: -250,
    currency: "USD",
  });
  assert.throws(() => addMoney(money(1, "USD"), money(1, "JPY")), MoneyError);
  assert.throws(
    () => money(1.5, "USD"),
    /safe integer of minor units, received 1.5/,
  );
  assert.throws(
    () => addMoney(money(Number.MAX_SAFE_INTEGER, "USD"), money(1, "USD")),
    /safe integer range/,
  );
  assert.throws(() => money(1, "usd"), /ISO 4217/);
});

Deno.test("parseDecimal() is exact and strict", () => {
  assert.deepEqual(parseDecimal("-0.001"), { coefficient: -1n, scale: 3 });
  assert.deepEqual(parseDecimal("123456789012345678901234.5"), {
    coefficient: 1234567890123456789012345n,
    scale: 1,
  });
  for (
    const bad of ["", "1e3", "1,000.00", "$5", "NaN", "0x10", "1.", ".5", "1 2"]
  ) {
    assert.throws(() => parseDecimal(bad), MoneyError, bad);
  }
});

Deno.test("toMinorUnits() rounds half to even by default, half away from zero on request, symmetric for negatives", () => {
  const cases: [string, "major" | "minor", string, number, number][] = [
    // text, unit, currency, half-even, half-up
    ["0.125", "major", "USD", 12, 13],
    ["0.135", "major", "USD", 14, 14],
    ["-0.125", "major", "USD", -12, -13],
    ["0.124999", "major", "USD", 12, 12],
    ["98.0186", "major", "USD", 9802, 9802],
    ["1200.5", "major", "JPY", 1200, 1201],
    ["1.0005", "major", "KWD", 1000, 1001],
    ["123.78912", "minor", "USD", 124, 124],
    ["0.5", "minor", "USD", 0, 1],
    ["12", "major", "USD", 1200, 1200],
  ];
  for (const [text, unit, currency, even, up] of cases) {
    assert.equal(
      toMinorUnits(parseDecimal(text), unit, currency),
      even,
      `${text} half-even`,
    );
    assert.equal(
      toMinorUnits(parseDecimal(text), unit, currency, "half-up"),
      up,
      `${text} half-up`,
    );
  }
});

Deno.test("sumDecimals() adds Anthropic's cent strings exactly before one rounding", () => {
  // As floats: 0.1 + 0.2 style error accumulates; as decimals it is exact.
  const amounts = Array.from({ length: 1000 }, () => "0.1000001");
  const total = sumDecimals(amounts.map(parseDecimal));
  assert.deepEqual(total, { coefficient: 1000001000n, scale: 7 });
  assert.equal(toMinorUnits(total, "minor", "USD"), 100);
  assert.equal(toMinorUnits(sumDecimals([]), "minor", "USD"), 0);
});

Deno.test("amounts beyond 2^53 are refused, never silently rounded", () => {
  assert.throws(
    () => parseMoney("90071992547409.93", "USD"),
    /beyond the safe integer range/,
  );
  assert.equal(
    parseMoney("90071992547409.91", "USD").amountMinor,
    Number.MAX_SAFE_INTEGER,
  );
});

Deno.test("formatMoney() formats exactly from integer minor units", () => {
  assert.equal(
    formatMoney(Number.MAX_SAFE_INTEGER, "USD"),
    "$90,071,992,547,409.91",
  );
  assert.equal(
    formatMoney(-123456, "EUR", { locale: "de-DE" }),
    "-1.234,56\u00a0€",
  );
  assert.equal(formatMoney(0, "USD", { signed: true }), "$0.00");
  assert.equal(formatMoney(5, "KWD"), "KWD\u00a00.005");
});
