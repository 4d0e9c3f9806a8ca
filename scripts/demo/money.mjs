// The demo account's money: a software engineer in San Francisco, paid twice a month into a checking account,
// who pays rent and bills from it and spends day to day on a credit card. All amounts in USD. Descriptions look
// like a bank statement's; `merchant` and `category` are the clean names the dashboard groups by.
import { DAY_MS, businessDayOnOrBefore, dateOf, partsOf, stamp } from "./calendar.mjs";
import { seededRandom } from "./random.mjs";

/** @typedef {{ event_id: string, activity_type: string, timestamp: string, application: string, description?: string, details: Record<string, unknown>, tags?: string[] }} DemoEvent */

const CURRENCY = "USD";
const BANK = { application: "Demo Bank", account: "Checking ••4821" };
const CARD = { application: "Demo Card", account: "Visa ••1937" };

/** Paid on the 15th and the last day of the month, or the Friday before when that is a weekend. */
const SALARY = { amount: 3412.58, merchant: "Contoso Ltd", description: "CONTOSO LTD PAYROLL DIR DEP PPD" };

/**
 * Rent, bills and subscriptions, on the same day each month. `rise` is a price rise: from that many days before
 * today the bill costs its new amount (Netflix's, two months ago, is what the subscriptions view and the price-change
 * notification show).
 * @type {{ dayOfMonth: number, account: typeof BANK, merchant: string, category: string, amount: [number, number], description: string, evenMonths?: boolean, rise?: { daysAgo: number, amount: [number, number] } }[]}
 */
const MONTHLY = [
  { dayOfMonth: 1, account: BANK, merchant: "Maple Court Apartments", category: "rent", amount: [2650, 2650], description: "ONLINE PMT MAPLE COURT APTS RENT" },
  { dayOfMonth: 12, account: BANK, merchant: "PG&E", category: "utilities", amount: [64, 118], description: "PGANDE WEB ONLINE PAYMENT" },
  { dayOfMonth: 20, account: BANK, merchant: "Comcast Xfinity", category: "utilities", amount: [79.99, 79.99], description: "COMCAST XFINITY AUTOPAY" },
  { dayOfMonth: 23, account: BANK, merchant: "Verizon", category: "utilities", amount: [65, 65], description: "VZWRLSS*APOCC VISB" },
  { dayOfMonth: 27, account: BANK, merchant: "SF Water Power Sewer", category: "utilities", amount: [38, 62], description: "SFPUC WATER BILL PAY", evenMonths: true },
  { dayOfMonth: 3, account: CARD, merchant: "Spotify", category: "subscriptions", amount: [11.99, 11.99], description: "SPOTIFY USA" },
  { dayOfMonth: 7, account: CARD, merchant: "Netflix", category: "subscriptions", amount: [15.49, 15.49], description: "NETFLIX.COM", rise: { daysAgo: 62, amount: [17.99, 17.99] } },
  { dayOfMonth: 9, account: CARD, merchant: "Planet Fitness", category: "subscriptions", amount: [24.99, 24.99], description: "PLANET FITNESS CLUB FEES" },
  { dayOfMonth: 14, account: CARD, merchant: "Apple", category: "subscriptions", amount: [2.99, 2.99], description: "APPLE.COM/BILL ICLOUD+" },
  { dayOfMonth: 18, account: CARD, merchant: "The New York Times", category: "subscriptions", amount: [4, 4], description: "NYTIMES DIGITAL SUBSCR" },
  { dayOfMonth: 2, account: CARD, merchant: "Clipper", category: "transport", amount: [50, 50], description: "CLIPPER AUTOLOAD" },
  { dayOfMonth: 16, account: CARD, merchant: "Clipper", category: "transport", amount: [50, 50], description: "CLIPPER AUTOLOAD" },
];

/**
 * Everyday spending: each day, each habit happens with its weekday or weekend chance, at one of its merchants,
 * at a local hour in `hours`. A merchant is [name, statement text, lowest, highest amount].
 * @type {{ category: string, weekday: number, weekend: number, hours: [number, number], merchants: [string, string, number, number][] }[]}
 */
const HABITS = [
  {
    category: "groceries", weekday: 0.2, weekend: 0.5, hours: [10, 19],
    merchants: [["Trader Joe's", "TRADER JOE S #236", 28, 96], ["Whole Foods Market", "WHOLEFDS SFC 10234", 22, 138], ["Safeway", "SAFEWAY #1490", 14, 82], ["Bi-Rite Market", "BI-RITE MARKET", 12, 48]],
  },
  {
    category: "dining", weekday: 0.5, weekend: 0.3, hours: [7, 10],
    merchants: [["Blue Bottle Coffee", "SQ *BLUE BOTTLE COFFEE", 4.5, 9.75], ["Starbucks", "STARBUCKS STORE 05723", 4.25, 8.95], ["Philz Coffee", "PHILZ COFFEE 24TH ST", 5, 9.5]],
  },
  {
    category: "dining", weekday: 0.3, weekend: 0.1, hours: [12, 13],
    merchants: [["Sweetgreen", "SWEETGREEN MISSION", 13.45, 18.9], ["Chipotle", "CHIPOTLE 2291", 11.2, 16.85], ["Tartine Bakery", "TARTINE BAKERY", 9.5, 24]],
  },
  {
    category: "dining", weekday: 0.14, weekend: 0.45, hours: [18, 21],
    merchants: [["DoorDash", "DOORDASH*THAI TIME", 24, 58], ["Uber Eats", "UBER *EATS PENDING", 21, 49], ["Nopalito", "NOPALITO", 38, 96], ["Zuni Café", "ZUNI CAFE", 54, 140]],
  },
  {
    category: "transport", weekday: 0.1, weekend: 0.25, hours: [8, 22],
    merchants: [["Uber", "UBER *TRIP HELP.UBER.COM", 9.8, 38], ["Lyft", "LYFT *RIDE", 8.9, 34], ["Bay Wheels", "LYFT *BAY WHEELS", 3.49, 9.5]],
  },
  {
    category: "shopping", weekday: 0.03, weekend: 0.12, hours: [11, 18],
    merchants: [["Target", "TARGET 00027", 14, 96], ["Walgreens", "WALGREENS #2897", 6, 32]],
  },
  {
    category: "health", weekday: 0.025, weekend: 0.04, hours: [9, 18],
    merchants: [["CVS Pharmacy", "CVS/PHARMACY #09918", 6.5, 38]],
  },
];

/**
 * Paid once a year on the calendar day `daysAgo` before today: with a history of more than a year, seen twice, so
 * the yearly cadence is found.
 * @type {{ daysAgo: number, account: typeof BANK, merchant: string, category: string, amount: number, description: string }[]}
 */
const YEARLY = [{ daysAgo: 19, account: BANK, merchant: "State Farm", category: "insurance", amount: 1284, description: "STATE FARM INSURANCE AUTO PMT" }];

/** Amazon orders are their own habit: each has an order number, and now and then one is refunded. */
const AMAZON = { weekday: 0.15, weekend: 0.2, low: 8.99, high: 129.99 };

/**
 * One-off purchases, days before today: the big-ticket rows that make a month stand out.
 * @type {{ daysAgo: number, account: typeof BANK, merchant: string, category: string, amount: number, description: string }[]}
 */
const ONE_OFFS = [
  { daysAgo: 97, account: CARD, merchant: "REI", category: "shopping", amount: 149.95, description: "REI #0069 SAN FRANCISCO" },
  { daysAgo: 74, account: CARD, merchant: "Alaska Airlines", category: "travel", amount: 312.4, description: "ALASKA AIR 0272195484416" },
  { daysAgo: 52, account: CARD, merchant: "Airbnb", category: "travel", amount: 486.2, description: "AIRBNB * HMQ4T2ZB8K" },
  { daysAgo: 63, account: CARD, merchant: "IKEA", category: "shopping", amount: 286.4, description: "IKEA EAST PALO ALTO" },
  { daysAgo: 29, account: CARD, merchant: "Apple", category: "shopping", amount: 179, description: "APPLE STORE R014 UNION SQ" },
  { daysAgo: 11, account: BANK, merchant: "Golden Gate Dental", category: "health", amount: 95, description: "GOLDEN GATE DENTAL COPAY" },
  // The unusual month: new furniture and a holiday in the last ten days, far above the usual shopping and travel.
  { daysAgo: 9, account: CARD, merchant: "Hawaiian Airlines", category: "travel", amount: 1146.8, description: "HAWAIIAN AIR 1732195484" },
  { daysAgo: 6, account: CARD, merchant: "IKEA", category: "shopping", amount: 1689, description: "IKEA EAST PALO ALTO" },
  { daysAgo: 3, account: CARD, merchant: "Hilton Hawaiian Village", category: "travel", amount: 918.4, description: "HILTON HAWAIIAN VLG HONOLULU" },
];

/** Its own random stream, so changing the job applications leaves the money as it was. */
const SEED = 0x4ea7_0001;

/**
 * Every money event from day `first` to day `last`, in no particular order; some may lie later today.
 * @param {{ first: number, last: number }} range
 * @returns {DemoEvent[]}
 */
export function moneyEvents({ first, last }) {
  const random = seededRandom(SEED);
  /** @type {DemoEvent[]} */
  const events = [];
  /** @type {Map<string, number>} */
  const perDay = new Map();
  /**
   * @param {number} day
   * @param {number} hour
   * @param {{ account: typeof BANK, amount: number, merchant: string, category: string, description: string, extra?: Record<string, unknown>, tags?: string[] }} entry
   */
  const add = (day, hour, entry) => {
    const date = dateOf(day);
    const n = (perDay.get(date) ?? 0) + 1;
    perDay.set(date, n);
    events.push({
      event_id: `demo:money:${date}:${n}`,
      activity_type: "financial",
      timestamp: stamp(day, hour, random.int(0, 59)),
      application: entry.account.application,
      description: entry.description,
      details: {
        demo: true,
        amount: entry.amount,
        currency: CURRENCY,
        merchant: entry.merchant,
        category: entry.category,
        account: entry.account.account,
        ...entry.extra,
      },
      tags: ["demo", ...(entry.tags ?? [])],
    });
  };

  const yearly = YEARLY.map((bill) => ({ ...bill, on: partsOf(last - bill.daysAgo * DAY_MS) }));
  for (let day = first; day <= last; day += DAY_MS) {
    const { dayOfMonth, weekday, month, monthLength } = partsOf(day);
    const weekend = weekday === 0 || weekday === 6;

    if (day === businessDayOnOrBefore(day, 15) || day === businessDayOnOrBefore(day, monthLength)) {
      add(day, 6, { account: BANK, amount: SALARY.amount, merchant: SALARY.merchant, category: "income", description: SALARY.description, tags: ["recurring"] });
    }
    for (const bill of MONTHLY) {
      if (bill.dayOfMonth !== dayOfMonth || (bill.evenMonths && month % 2 === 1)) continue;
      const amount = bill.rise && day >= last - bill.rise.daysAgo * DAY_MS ? bill.rise.amount : bill.amount;
      add(day, bill.account === BANK ? 8 : 4, { ...bill, amount: -random.cents(...amount), tags: ["recurring"] });
    }
    for (const bill of yearly) {
      if (bill.on.month === month && bill.on.dayOfMonth === dayOfMonth) add(day, 8, { ...bill, amount: -bill.amount, tags: ["recurring"] });
    }
    for (const habit of HABITS) {
      if (!random.chance(weekend ? habit.weekend : habit.weekday)) continue;
      const [merchant, description, low, high] = random.pick(habit.merchants);
      add(day, random.int(...habit.hours), { account: CARD, amount: -random.cents(low, high), merchant, category: habit.category, description });
    }
    if (random.chance(weekend ? AMAZON.weekend : AMAZON.weekday)) {
      const amount = random.cents(AMAZON.low, AMAZON.high);
      const order = `113-${random.digits(7)}-${random.digits(7)}`;
      const code = `${random.pick(["2K", "4L", "7Q", "H3", "M1", "RT"])}${random.digits(4)}`;
      const hour = random.int(8, 23);
      add(day, hour, { account: CARD, amount: -amount, merchant: "Amazon", category: "shopping", description: `AMZN Mktp US*${code}`, extra: { order_id: order, items: random.int(1, 4) } });
      // About one order in twelve goes back a week later.
      if (random.chance(1 / 12)) {
        add(day + 7 * DAY_MS, 10, { account: CARD, amount, merchant: "Amazon", category: "shopping", description: `AMZN Mktp US REFUND*${code}`, extra: { order_id: order, refund: true } });
      }
    }
  }

  for (const once of ONE_OFFS) {
    const day = last - once.daysAgo * DAY_MS;
    if (day >= first) add(day, random.int(11, 19), { ...once, amount: -once.amount });
  }
  return events;
}
