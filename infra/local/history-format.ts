/** The CLI's readable rendering of an order's view: a header line and two aligned tables. */
import type { HistoryItemView, OrderHistoryView } from '../../functions/core/history/view';

const DASH = '-';

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function outcome(item: HistoryItemView): string {
  if (item.kind === 'expired' || item.kind === 'untracked') {
    const pending = item.pendingSessionIds ?? [];
    const parts = [
      ...(pending.length > 0 ? [`pending: ${pending.join(', ')}`] : []),
      ...(item.requestedBy ? [`by ${item.requestedBy}`] : []),
      ...(item.reason ? [`reason: ${item.reason}`] : []),
    ];
    return parts.length > 0 ? `(${parts.join('; ')})` : DASH;
  }
  return item.status ?? DASH;
}

export function formatOrderHistory(view: OrderHistoryView): string {
  const header =
    `Order ${view.orderId}: ${view.state} (tracked since ${view.trackedSince}` +
    (view.lastChangedAt ? `, last change ${view.lastChangedAt})` : ')');
  const sessions =
    view.sessions.length === 0
      ? 'No sessions seen yet.'
      : table(
          ['SESSION', 'STATUS', 'RESOLVED', 'AMOUNT', 'TYPE', 'ACCOUNT', 'LAST CHANGED'],
          view.sessions.map((session) => [
            String(session.sessionId),
            session.status,
            session.resolved ? 'yes' : 'no',
            session.amount === null ? DASH : String(session.amount),
            session.type,
            String(session.paymentAccountId),
            session.lastChangedAt,
          ]),
        );
  const history =
    view.history.length === 0
      ? 'No history yet.'
      : table(
          ['OBSERVED AT', 'SESSION', 'KIND', 'FROM', 'TO', 'EVENT ID'],
          view.history.map((item) => [
            item.observedAt,
            item.sessionId === null ? DASH : String(item.sessionId),
            item.kind,
            item.previousStatus ?? DASH,
            outcome(item),
            item.eventId,
          ]),
        );
  return `${header}\n\nSessions\n${sessions}\n\nHistory\n${history}\n`;
}
