/**
 * CSV as RFC 4180 writes it (every field quoted, quotes doubled, CRLF line ends), safe to open
 * in a spreadsheet: a text field that starts like a formula (`=`, `+`, `-`, `@`, tab, CR) gets
 * a leading `'` so it stays text (OWASP's CSV-injection advice). Statuses are free-form
 * strings a OneEntry project configures, so they are not trusted to be harmless.
 */
export type CsvValue = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^-?\d+(?:\.\d+)?$/;

export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '""';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) {
    text = `'${text}`;
  }
  return `"${text.replaceAll('"', '""')}"`;
}

export const csvRow = (values: readonly CsvValue[]): string =>
  `${values.map(csvField).join(',')}\r\n`;
