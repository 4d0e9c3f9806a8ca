/**
 * An amount (in major units: 12.5 is 12.50) in its currency. One locale rule everywhere: the runtime's own
 * locale, which is the viewer's in the browser and en-US on the server (workerd has no other); `locale` is for tests.
 * A code Intl does not know still shows, as plain digits and the code.
 * @example money(-1234.5, "EUR", "en-US") // "-€1,234.50"
 */
export function money(amount: number, currency: string, locale?: string): string {
  try {
    return new Intl.NumberFormat(locale, { style: "currency", currency }).format(amount);
  } catch {
    return `${amount.toFixed(2)} ${currency}`;
  }
}
