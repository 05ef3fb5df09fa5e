/**
 * The failure destination as `npm run republish -- --from-dlq` reads it: the SQS on-failure
 * queue in AWS, `$DATA_DIR/dead-letter.jsonl` locally. Both offer each message once per run and
 * remove it only when told to, after its events went out.
 */
import { appendFileSync, existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeadLetter, DeadLetterSource } from '../../functions/core/events/republish';

/** How long a received message stays hidden from other readers while this run works on it. */
const VISIBILITY_TIMEOUT_SECONDS = 900;

export class SqsDeadLetters implements DeadLetterSource {
  readonly name: string;

  constructor(
    private readonly client: Pick<SQSClient, 'send'>,
    private readonly queueUrl: string,
  ) {
    this.name = `queue ${queueUrl}`;
  }

  async *batches(): AsyncIterable<DeadLetter[]> {
    const seen = new Set<string>();
    for (;;) {
      const page = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: VISIBILITY_TIMEOUT_SECONDS,
        }),
      );
      const fresh = (page.Messages ?? []).filter(
        (message) => message.MessageId && !seen.has(message.MessageId),
      );
      // An empty receive (or only messages seen already) means the queue has nothing new.
      if (fresh.length === 0) return;
      for (const message of fresh) seen.add(message.MessageId as string);
      yield fresh.map((message) => ({
        id: message.ReceiptHandle ?? '',
        body: message.Body ?? '',
      }));
    }
  }

  async remove(letters: readonly DeadLetter[]): Promise<void> {
    for (let start = 0; start < letters.length; start += 10) {
      const slice = letters.slice(start, start + 10);
      const result = await this.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: slice.map((letter, index) => ({ Id: String(index), ReceiptHandle: letter.id })),
        }),
      );
      if (result.Failed?.length) {
        throw new Error(
          `${result.Failed.length} message(s) could not be deleted from ${this.queueUrl}: ${result.Failed[0]?.Message ?? ''}`,
        );
      }
    }
  }

  async close(): Promise<void> {}
}

/**
 * The local dead-letter file. A run first moves the file aside (atomically), so the running
 * `npm start` can go on appending to a fresh one meanwhile and nothing it writes is lost; at the
 * end, what was not removed is appended back. A run that died half-way leaves its claimed file,
 * which the next run picks up first.
 */
export class FileDeadLetters implements DeadLetterSource {
  readonly name: string;
  private readonly claimed: { file: string; lines: string[] }[] = [];
  private readonly removed = new Set<string>();

  constructor(private readonly file: string) {
    this.name = `file ${file}`;
  }

  async *batches(): AsyncIterable<DeadLetter[]> {
    const prefix = `${basename(this.file)}.redrive-`;
    const directory = dirname(this.file);
    const leftovers = existsSync(directory)
      ? readdirSync(directory)
          .filter((name) => name.startsWith(prefix))
          .map((name) => join(directory, name))
      : [];
    const mine = `${this.file}.redrive-${process.pid}-${Date.now()}`;
    if (existsSync(this.file)) {
      renameSync(this.file, mine);
      leftovers.push(mine);
    }
    for (const file of leftovers) {
      const lines = readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '');
      this.claimed.push({ file, lines });
      const letters = lines.map((body, index) => ({ id: `${file}:${index}`, body }));
      for (let start = 0; start < letters.length; start += 10) {
        yield letters.slice(start, start + 10);
      }
    }
  }

  async remove(letters: readonly DeadLetter[]): Promise<void> {
    for (const letter of letters) this.removed.add(letter.id);
  }

  async close(): Promise<void> {
    for (const { file, lines } of this.claimed) {
      const kept = lines.filter((_, index) => !this.removed.has(`${file}:${index}`));
      if (kept.length > 0) appendFileSync(this.file, `${kept.join('\n')}\n`);
      rmSync(file, { force: true });
    }
    this.claimed.length = 0;
  }
}
