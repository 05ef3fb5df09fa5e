/**
 * How the CLI writes audit listings, one page at a time: a readable table (fixed columns, so it
 * can stream), a JSON array (the API's items, one per line), or CSV (one row per order or
 * transition). Each format writes a head, then rows page by page, then a tail.
 */
import type { OrderView, TransitionView } from '../../functions/core/history/view';
import { type CsvValue, csvRow } from './csv';

export type ListingFormat = 'table' | 'json' | 'csv';

interface Column<T> {
  /** Table heading; the CSV header is `name`. */
  title: string;
  name: string;
  width: number;
  value: (item: T) => CsvValue;
}

const DASH = '-';

export const ORDER_COLUMNS: readonly Column<OrderView>[] = [
  { title: 'ORDER', name: 'orderId', width: 10, value: (order) => order.orderId },
  { title: 'STATE', name: 'state', width: 9, value: (order) => order.state },
  { title: 'SOURCE', name: 'source', width: 9, value: (order) => order.source },
  { title: 'TRACKED SINCE', name: 'trackedSince', width: 24, value: (order) => order.trackedSince },
  { title: 'LAST CHANGE', name: 'lastChangedAt', width: 24, value: (order) => order.lastChangedAt },
  {
    title: 'SESSIONS',
    name: 'sessions',
    width: 0,
    // `<id> <status> <amount>` per session: the one cell a spreadsheet needs to reconcile.
    value: (order) =>
      order.sessions
        .map((s) => `${s.sessionId} ${s.status} ${s.amount === null ? DASH : s.amount}`)
        .join('; '),
  },
];

export const TRANSITION_COLUMNS: readonly Column<TransitionView>[] = [
  { title: 'OBSERVED AT', name: 'observedAt', width: 24, value: (item) => item.observedAt },
  { title: 'ORDER', name: 'orderId', width: 10, value: (item) => item.orderId },
  { title: 'SESSION', name: 'sessionId', width: 10, value: (item) => item.sessionId },
  { title: 'KIND', name: 'kind', width: 9, value: (item) => item.kind },
  { title: 'FROM', name: 'previousStatus', width: 12, value: (item) => item.previousStatus },
  { title: 'TO', name: 'status', width: 12, value: (item) => item.status },
  { title: 'RESOLVED', name: 'resolved', width: 8, value: (item) => item.resolved },
  { title: 'SEQ', name: 'seq', width: 4, value: (item) => item.seq },
  { title: 'EVENT ID', name: 'eventId', width: 0, value: (item) => item.eventId },
  {
    title: 'PENDING',
    name: 'pendingSessionIds',
    width: 10,
    value: (item) => item.pendingSessionIds?.join(' ') ?? null,
  },
  // Of a stop by hand: who asked and why (empty on every other kind).
  {
    title: 'REQUESTED BY',
    name: 'requestedBy',
    width: 24,
    value: (item) => item.requestedBy ?? null,
  },
  { title: 'REASON', name: 'reason', width: 0, value: (item) => item.reason ?? null },
];

export interface ListingWriter<T> {
  head(): string;
  rows(items: readonly T[], first: boolean): string;
  /** `rows` is how many were written in all. */
  tail(rows: number): string;
}

function tableCell(value: CsvValue): string {
  if (value === null || value === undefined || value === '') return DASH;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

export function listingWriter<T>(
  format: ListingFormat,
  columns: readonly Column<T>[],
  noun: string,
): ListingWriter<T> {
  switch (format) {
    case 'json':
      return {
        head: () => '[',
        rows: (items, first) =>
          items
            .map((item, i) => `${first && i === 0 ? '' : ','}\n${JSON.stringify(item)}`)
            .join(''),
        tail: (rows) => (rows === 0 ? ']\n' : '\n]\n'),
      };
    case 'csv':
      return {
        head: () => csvRow(columns.map((column) => column.name)),
        rows: (items) =>
          items.map((item) => csvRow(columns.map((column) => column.value(item)))).join(''),
        tail: () => '',
      };
    case 'table': {
      const line = (cells: readonly string[]) =>
        cells
          .map((cell, i) => cell.padEnd(columns[i]?.width ?? 0))
          .join('  ')
          .trimEnd();
      return {
        head: () => `${line(columns.map((column) => column.title))}\n`,
        rows: (items) =>
          items
            .map((item) => `${line(columns.map((column) => tableCell(column.value(item))))}\n`)
            .join(''),
        tail: (rows) => `${rows} ${noun}${rows === 1 ? '' : 's'}\n`,
      };
    }
  }
}
