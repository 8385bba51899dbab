import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { DynamicModule, FactoryProvider, InjectionToken, Module, ModuleMetadata, Provider, Type } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { asyncOptionsProviders } from '../chonry-sms.async-options';
import { ChonrySmsConfigError } from '../errors';
import { CampaignStore } from './campaign-store';
import {
  CHONRY_SMS_DEFAULT_QUEUE_NAME,
  CHONRY_SMS_QUEUE_MODULE_OPTIONS,
  CHONRY_SMS_QUEUE_RESOLVED_OPTIONS,
} from './chonry-sms-queue.constants';
import { ChonrySmsQueueEvents } from './chonry-sms-queue.events';
import { ChonrySmsQueueModuleOptions, resolveChonrySmsQueueOptions, ResolvedChonrySmsQueueOptions } from './chonry-sms-queue.options';
import { ChonrySmsQueue } from './chonry-sms-queue.service';
import { CHONRY_SMS_BULL_QUEUE, CHONRY_SMS_QUEUE_REDIS } from './chonry-sms-queue.tokens';
import { ChonrySmsQueueWorker } from './chonry-sms-queue.worker';
import { createQueueRedis, QueueRedisLifecycle } from './queue-redis';
import { RedisGuard } from './redis-guard';

/** A class that builds the queue options, for `forRootAsync({ useClass })`. */
export interface ChonrySmsQueueOptionsFactory {
  createChonrySmsQueueOptions(): ChonrySmsQueueModuleOptions | Promise<ChonrySmsQueueModuleOptions>;
}

/** Options that shape the registration rather than the queue's behaviour. */
export interface ChonrySmsQueueModuleExtras {
  /** Register globally, so feature modules can inject `ChonrySmsQueue` without importing the module. */
  isGlobal?: boolean;
}

export interface ChonrySmsQueueModuleAsyncOptions extends ChonrySmsQueueModuleExtras, Pick<ModuleMetadata, 'imports'> {
  /**
   * The BullMQ queue name (default `chonry-sms`). It names the queue's Nest provider, so it is
   * given here rather than by the factory; a factory that returns a different one is refused.
   */
  queueName?: string;
  useFactory?: (...args: any[]) => ChonrySmsQueueModuleOptions | Promise<ChonrySmsQueueModuleOptions>; // eslint-disable-line @typescript-eslint/no-explicit-any
  inject?: FactoryProvider['inject'];
  useClass?: Type<ChonrySmsQueueOptionsFactory>;
  useExisting?: InjectionToken;
}

/** @internal Holds the options, so both this module and @nestjs/bullmq's queue provider can read them. */
@Module({})
export class ChonrySmsQueueOptionsModule {}

/**
 * `ChonrySmsQueueModule.forRoot({ connection, limiter, workers })` or `.forRootAsync({ imports,
 * inject, useFactory | useClass | useExisting })`: durable queued sending on BullMQ and Redis,
 * through `@nestjs/bullmq`. Needs `ChonrySmsModule` registered in the same application.
 */
@Module({})
export class ChonrySmsQueueModule {
  static forRoot(options: ChonrySmsQueueModuleOptions & ChonrySmsQueueModuleExtras = {}): DynamicModule {
    const { isGlobal, ...queueOptions } = options;
    return this.assemble(queueOptions.queueName ?? CHONRY_SMS_DEFAULT_QUEUE_NAME, isGlobal, [], [
      { provide: CHONRY_SMS_QUEUE_MODULE_OPTIONS, useValue: queueOptions },
    ]);
  }

  static forRootAsync(options: ChonrySmsQueueModuleAsyncOptions): DynamicModule {
    const providers = asyncOptionsProviders(CHONRY_SMS_QUEUE_MODULE_OPTIONS, options, 'createChonrySmsQueueOptions', 'queue');
    return this.assemble(options.queueName ?? CHONRY_SMS_DEFAULT_QUEUE_NAME, options.isGlobal, options.imports ?? [], providers);
  }

  private static assemble(
    queueName: string,
    isGlobal: boolean | undefined,
    imports: NonNullable<ModuleMetadata['imports']>,
    optionProviders: Provider[],
  ): DynamicModule {
    const optionsModule: DynamicModule = {
      module: ChonrySmsQueueOptionsModule,
      imports,
      providers: [
        ...optionProviders,
        {
          provide: CHONRY_SMS_QUEUE_RESOLVED_OPTIONS,
          useFactory: (raw: ChonrySmsQueueModuleOptions) => {
            const resolved = resolveChonrySmsQueueOptions({ ...raw, queueName: raw?.queueName ?? queueName });
            if (resolved.queueName !== queueName) {
              throw new ChonrySmsConfigError('queue.queueName', `must be given at the top level of forRootAsync (got ${resolved.queueName} from the factory)`);
            }
            return resolved;
          },
          inject: [CHONRY_SMS_QUEUE_MODULE_OPTIONS],
        },
        // Here, so that @nestjs/bullmq's queue can share it: one connection whose limits bound every queue call.
        { provide: CHONRY_SMS_QUEUE_REDIS, useFactory: createQueueRedis, inject: [CHONRY_SMS_QUEUE_RESOLVED_OPTIONS] },
      ],
      exports: [CHONRY_SMS_QUEUE_MODULE_OPTIONS, CHONRY_SMS_QUEUE_RESOLVED_OPTIONS, CHONRY_SMS_QUEUE_REDIS],
    };
    const bullQueue = BullModule.registerQueueAsync({
      name: queueName,
      imports: [optionsModule],
      inject: [CHONRY_SMS_QUEUE_RESOLVED_OPTIONS, CHONRY_SMS_QUEUE_REDIS],
      useFactory: (o: ResolvedChonrySmsQueueOptions, redis: Redis) => ({
        connection: redis,
        prefix: o.prefix,
        defaultJobOptions: {
          attempts: o.attempts,
          backoff: { type: 'exponential', delay: o.backoffDelay },
          // Campaign state in Redis is the record; failed jobs stay as long as it does, for inspection.
          removeOnComplete: true,
          removeOnFail: { age: Math.ceil(o.campaignTtlMs / 1000) },
        },
      }),
    });
    return {
      module: ChonrySmsQueueModule,
      global: isGlobal ?? false,
      imports: [optionsModule, bullQueue],
      providers: [
        { provide: CHONRY_SMS_BULL_QUEUE, useExisting: getQueueToken(queueName) },
        {
          provide: CampaignStore,
          useFactory: (redis: Redis, o: ResolvedChonrySmsQueueOptions) => new CampaignStore(redis, o.prefix, o.queueName, o.campaignTtlMs),
          inject: [CHONRY_SMS_QUEUE_REDIS, CHONRY_SMS_QUEUE_RESOLVED_OPTIONS],
        },
        {
          provide: RedisGuard,
          useFactory: (redis: Redis, o: ResolvedChonrySmsQueueOptions) => new RedisGuard(redis, o.redisTimeout),
          inject: [CHONRY_SMS_QUEUE_REDIS, CHONRY_SMS_QUEUE_RESOLVED_OPTIONS],
        },
        QueueRedisLifecycle,
        ChonrySmsQueueEvents,
        ChonrySmsQueue,
        ChonrySmsQueueWorker,
      ],
      exports: [ChonrySmsQueue, ChonrySmsQueueEvents, optionsModule, bullQueue],
    };
  }
}
