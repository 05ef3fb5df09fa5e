/**
 * Re-publishes history entries as events, with their original `eventId`s (subscribers
 * deduplicate on them), through the same `EventPublisher` as the stream publisher: PutEvents
 * batches within the service's limits, failed entries (and only those) retried. Entries come
 * from a `HistoryReader` and are sent in chunks as they are read, so a long run never holds
 * more than a chunk; within one run an entry is sent once, however many selections name it.
 */

import type { HistoryReader } from '../history/reader';
import type { HistoryEntry } from '../model';
import { arrivalWindow, type DeadLetterMessage, parseDeadLetter } from './dead-letters';
import type { EventPublisher } from './publisher';
import { toEventDetail } from './records';

export interface RepublishProgress {
  /** Entries read from the table. */
  read: number;
  /** Events EventBridge accepted (in a dry run: events that would be sent). */
  published: number;
  /** Entries already sent earlier in this run. */
  duplicates: number;
  failed: number;
}

export interface RepublishFailure {
  eventId: string;
  errorCode: string;
  reason: string;
}

export interface RepublisherOptions {
  publisher: EventPublisher;
  /** List what would be sent, send nothing. Default false. */
  dryRun?: boolean;
  /** Entries per `publish` call. Default 100. */
  chunkSize?: number;
  /** Each entry a dry run would send. */
  onDryRun?: (entry: HistoryEntry) => void;
  /** After each chunk. */
  onProgress?: (progress: Readonly<RepublishProgress>) => void;
}

export class Republisher {
  readonly progress: RepublishProgress = { read: 0, published: 0, duplicates: 0, failed: 0 };
  readonly failures: RepublishFailure[] = [];
  private readonly sent = new Set<string>();
  private readonly chunkSize: number;

  constructor(private readonly options: RepublisherOptions) {
    this.chunkSize = Math.max(1, options.chunkSize ?? 100);
  }

  get dryRun(): boolean {
    return this.options.dryRun ?? false;
  }

  /** Whether the event went out (or would have, in a dry run) during this run. */
  wasSent(eventId: string): boolean {
    return this.sent.has(eventId);
  }

  /** Sends every entry not sent yet in this run; returns the event ids that failed. */
  async publishAll(
    entries: AsyncIterable<HistoryEntry> | Iterable<HistoryEntry>,
  ): Promise<string[]> {
    const failed: string[] = [];
    let chunk: HistoryEntry[] = [];
    for await (const entry of entries) {
      this.progress.read++;
      if (this.sent.has(entry.eventId) || chunk.some((other) => other.eventId === entry.eventId)) {
        this.progress.duplicates++;
        continue;
      }
      chunk.push(entry);
      if (chunk.length >= this.chunkSize) {
        failed.push(...(await this.publishChunk(chunk)));
        chunk = [];
      }
    }
    if (chunk.length > 0) failed.push(...(await this.publishChunk(chunk)));
    return failed;
  }

  private async publishChunk(entries: readonly HistoryEntry[]): Promise<string[]> {
    const failed: string[] = [];
    const valid: { entry: HistoryEntry; detail: ReturnType<typeof toEventDetail> }[] = [];
    for (const entry of entries) {
      try {
        valid.push({ entry, detail: toEventDetail(entry) });
      } catch (error) {
        this.fail(entry.eventId, 'InvalidHistoryEntry', String(error).split('\n')[0] ?? '');
        failed.push(entry.eventId);
      }
    }
    if (this.dryRun) {
      for (const { entry } of valid) {
        this.options.onDryRun?.(entry);
        this.sent.add(entry.eventId);
        this.progress.published++;
      }
    } else {
      const outcomes = await this.options.publisher.publish(valid.map((item) => item.detail));
      for (const outcome of outcomes) {
        if (outcome.published) {
          this.sent.add(outcome.eventId);
          this.progress.published++;
        } else {
          this.fail(outcome.eventId, outcome.errorCode, outcome.errorMessage);
          failed.push(outcome.eventId);
        }
      }
    }
    this.options.onProgress?.(this.progress);
    return failed;
  }

  private fail(eventId: string, errorCode: string, reason: string): void {
    this.progress.failed++;
    this.failures.push({ eventId, errorCode, reason });
  }
}

/** One message of the failure destination, as a redrive reads it. */
export interface DeadLetter {
  /** Names the message to its source (an SQS receipt handle, a line of the file). */
  id: string;
  body: string;
}

/** The publisher's failure destination, as the redrive reads it. */
export interface DeadLetterSource {
  /** For messages: `queue https://…`, `file .data/dead-letter.jsonl`. */
  readonly name: string;
  /** The messages, a batch at a time, each offered once per run. */
  batches(): AsyncIterable<DeadLetter[]>;
  /** Removes messages that were handled. */
  remove(letters: readonly DeadLetter[]): Promise<void>;
  /** Ends the run: what was not removed stays for the next one. */
  close(): Promise<void>;
}

export interface RedriveResult {
  /** Messages handled and removed (in a dry run: that would be). */
  handled: number;
  /** Messages kept, each with why. */
  kept: { id: string; reason: string }[];
}

/** The entries a failure message covers. */
async function entriesOf(
  message: Exclude<DeadLetterMessage, { kind: 'unknown' }>,
  reader: HistoryReader,
): Promise<HistoryEntry[] | string> {
  if (message.kind === 'permanent') {
    const entry = await reader.byKeys(message.message.record.keys);
    return entry ? [entry] : `history entry ${message.message.record.keys.sk} is not in the table`;
  }
  const entries: HistoryEntry[] = [];
  for await (const entry of reader.inRange(arrivalWindow(message.message.DDBStreamBatchInfo))) {
    entries.push(entry);
  }
  return entries;
}

/**
 * Re-publishes what each failure message covers, from the table (the stream may have dropped
 * the records long ago), and removes a message only once all its events went out. A stream
 * batch covers the history entries observed in its arrival window: entries in that window that
 * were published already go out again with their same `eventId`.
 */
export async function redriveDeadLetters(
  source: DeadLetterSource,
  reader: HistoryReader,
  republisher: Republisher,
): Promise<RedriveResult> {
  const result: RedriveResult = { handled: 0, kept: [] };
  try {
    for await (const letters of source.batches()) {
      const done: DeadLetter[] = [];
      for (const letter of letters) {
        const message = parseDeadLetter(letter.body);
        if (message.kind === 'unknown') {
          result.kept.push({ id: letter.id, reason: message.problem });
          continue;
        }
        const entries = await entriesOf(message, reader);
        if (typeof entries === 'string') {
          result.kept.push({ id: letter.id, reason: entries });
          continue;
        }
        const failed = await republisher.publishAll(entries);
        if (failed.length > 0) {
          result.kept.push({ id: letter.id, reason: `${failed.length} event(s) failed again` });
          continue;
        }
        result.handled++;
        done.push(letter);
      }
      if (!republisher.dryRun && done.length > 0) await source.remove(done);
    }
  } finally {
    await source.close();
  }
  return result;
}
