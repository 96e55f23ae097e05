/**
 * The board's balances: each stock (an account balance, a portfolio
 * value) at its last reading, apart from the P&L, which never adds them.
 */
import { formatMoney } from "@/lib/money.ts";
import { ago } from "./time_words.ts";
import { memo } from "./memo.ts";

/** Props of {@linkcode Balances}. */
export interface BalancesProps {
  /** Each balance by source id: its amount and when it was read. */
  balances: Record<string, { amountMinor: number; asOf: string }>;
  /** The board's currency. */
  currency: string;
  /** A source's name. */
  nameOf: (id: string) => string;
  /** The time now, epoch ms. */
  now: number;
  /** The zone dates are shown in. */
  zone: string;
}

/**
 * The balances section; nothing when there are none. Re-rendered only
 * when its props change (`nameOf` must keep its identity for that).
 */
export const Balances = memo(function Balances(
  { balances, currency, nameOf, now, zone }: BalancesProps,
): preact.JSX.Element | null {
  const entries = Object.entries(balances);
  if (entries.length === 0) return null;
  return (
    <section class="balances" aria-label="Balances">
      <h2>Balances</h2>
      <ul>
        {entries.map(([id, b]) => (
          <li key={id} class="balance" data-balance={id}>
            <span class="balance-name">{nameOf(id)}</span>
            <span class="balance-amount" data-testid={`balance-${id}`}>
              {formatMoney(b.amountMinor, currency)}
            </span>
            <span class="balance-age">{ago(b.asOf, now, zone)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
});
