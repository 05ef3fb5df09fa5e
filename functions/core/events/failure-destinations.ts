/**
 * The two failure destinations of the publisher: the stack's SQS on-failure queue in AWS, a
 * JSON-lines file locally (`$DATA_DIR/dead-letter.jsonl`, next to what the stream tailer
 * writes there for batches it gave up on).
 */
import { appendFileSync } from 'node:fs';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { FailureDestination, PermanentFailure } from './dead-letters';

export class SqsFailureDestination implements FailureDestination {
  constructor(
    private readonly client: Pick<SQSClient, 'send'>,
    private readonly queueUrl: string,
  ) {}

  async send(message: PermanentFailure): Promise<void> {
    await this.client.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message) }),
    );
  }
}

export class FileFailureDestination implements FailureDestination {
  constructor(private readonly file: string) {}

  async send(message: PermanentFailure): Promise<void> {
    appendFileSync(this.file, `${JSON.stringify(message)}\n`);
  }
}
