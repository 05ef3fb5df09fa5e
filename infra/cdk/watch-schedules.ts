/**
 * EventBridge Scheduler starting the poller (one schedule per shard) and the discovery sweep,
 * each with a retry policy and a dead-letter queue. Built on the watch itself, so the
 * resources keep the logical ids they had when this lived in the construct.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
  TimeWindow,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledgeInvokeVersions, deadLetterQueue } from './resources';

/** Retries of a poll invocation Scheduler could not deliver (throttling, service errors). */
const SCHEDULE_RETRY_ATTEMPTS = 2;

export interface WatchSchedulesProps {
  readonly poller: IFunction;
  readonly pollRate: Duration;
  readonly pollShards: number;
  /** Undefined when discovery is off. */
  readonly discovery?: IFunction;
  readonly discoveryRate: Duration;
}

export interface WatchSchedules {
  /** One per poller shard, in shard order. */
  readonly pollSchedules: Schedule[];
  readonly scheduleDeadLetterQueue: Queue;
  readonly discoverySchedule?: Schedule;
  readonly discoveryDeadLetterQueue?: Queue;
}

export function createWatchSchedules(watch: Construct, props: WatchSchedulesProps): WatchSchedules {
  const scheduleDeadLetterQueue = deadLetterQueue(watch, 'ScheduleDeadLetterQueue', 'Scheduler');
  const role = new Role(watch, 'ScheduleRole', {
    // Only schedules of this account may assume it (confused-deputy protection).
    assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(watch).account } },
    }),
    description: 'Lets EventBridge Scheduler start the poller and the discovery sweep',
  });
  // One schedule per shard, each naming its shard in the input: Scheduler itself starts
  // every shard (no fan-out function to fail in between, and one shard's throttled or
  // failed start never holds up the others). Shard 0 keeps the id it had before sharding.
  const pollSchedules = Array.from({ length: props.pollShards }, (_, shard) =>
    lambdaSchedule(watch, shard === 0 ? 'PollSchedule' : `PollSchedule${shard}`, {
      fn: props.poller,
      rate: props.pollRate,
      role,
      deadLetterQueue: scheduleDeadLetterQueue,
      description: `Starts a OneEntry payment-session poll cycle of shard ${shard}`,
      input: { shard },
    }),
  );
  if (!props.discovery) return { pollSchedules, scheduleDeadLetterQueue };
  const discoveryDeadLetterQueue = deadLetterQueue(
    watch,
    'DiscoveryDeadLetterQueue',
    'Scheduler (discovery)',
  );
  const discoverySchedule = lambdaSchedule(watch, 'DiscoverySchedule', {
    fn: props.discovery,
    rate: props.discoveryRate,
    role,
    deadLetterQueue: discoveryDeadLetterQueue,
    description: "Starts a sweep of OneEntry's payment-session list",
  });
  return { pollSchedules, scheduleDeadLetterQueue, discoverySchedule, discoveryDeadLetterQueue };
}

function lambdaSchedule(
  scope: Construct,
  id: string,
  target: {
    fn: IFunction;
    rate: Duration;
    role: Role;
    deadLetterQueue: Queue;
    description: string;
    /** The invocation's event. */
    input?: Record<string, unknown>;
  },
): Schedule {
  const schedule = new Schedule(scope, id, {
    description: target.description,
    schedule: ScheduleExpression.rate(target.rate),
    timeWindow: TimeWindow.off(),
    target: new LambdaInvoke(target.fn, {
      role: target.role,
      retryAttempts: SCHEDULE_RETRY_ATTEMPTS,
      // A start older than one tick is stale: the next tick's run supersedes it.
      maxEventAge: Duration.seconds(Math.max(60, target.rate.toSeconds())),
      deadLetterQueue: target.deadLetterQueue,
      ...(target.input ? { input: ScheduleTargetInput.fromObject(target.input) } : {}),
    }),
  });
  acknowledgeInvokeVersions(target.role, target.fn);
  return schedule;
}
