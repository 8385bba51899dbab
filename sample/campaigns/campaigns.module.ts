import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { ChonrySmsQueueModule } from 'nestjs-chonry-sms/queue';
import { CampaignsController } from './campaigns.controller';

/**
 * The queue, imported by AppModule only when `CHONRY_REDIS_URL` is set (so `npm start` needs no
 * Redis): campaigns are stored in Redis and sent by this process's workers, at most
 * `CHONRY_QUEUE_RATE` requests per second (default 5) across every instance. Needs the queue's
 * optional peers: `npm install @nestjs/bullmq bullmq ioredis`.
 */
@Module({
  imports: [
    ChonrySmsQueueModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        connection: { url: config.getOrThrow<string>('CHONRY_REDIS_URL') },
        prefix: config.get<string>('CHONRY_QUEUE_PREFIX') || undefined,
        limiter: { max: Number(config.get<string>('CHONRY_QUEUE_RATE') || 5), duration: 1_000 },
      }),
    }),
  ],
  controllers: [CampaignsController],
})
export class SampleCampaignsModule {}
