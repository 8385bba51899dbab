import { Body, Controller, Get, HttpCode, NotFoundException, Param, Post, ServiceUnavailableException } from '@nestjs/common';
import { SendBulkSmsDto } from 'nestjs-chonry-sms';
import { ChonrySmsCampaign, ChonrySmsCampaignNotFoundError, ChonrySmsQueue, ChonrySmsQueueUnavailableError } from 'nestjs-chonry-sms/queue';

/** Campaigns of any size through the queue: enqueue, then follow sent / failed / delivered counts. */
@Controller('campaigns')
export class CampaignsController {
  constructor(private readonly queue: ChonrySmsQueue) {}

  /** Validated here (ValidationPipe) and again by enqueue(); 202: the sends happen in the workers. */
  @Post()
  @HttpCode(202)
  async enqueue(@Body() body: SendBulkSmsDto): Promise<{ campaignId: string; jobs: number }> {
    return this.queueCall(() => this.queue.enqueue(body));
  }

  /** Where a campaign stands; `delivered` and `undelivered` grow as delivery reports arrive. */
  @Get(':id')
  async get(@Param('id') id: string): Promise<ChonrySmsCampaign> {
    return this.queueCall(() => this.queue.getCampaign(id));
  }

  private async queueCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof ChonrySmsCampaignNotFoundError) throw new NotFoundException(err.message);
      // Redis is unreachable: say so; `delivery` tells whether the campaign may have been stored.
      if (err instanceof ChonrySmsQueueUnavailableError) throw new ServiceUnavailableException({ message: err.message, delivery: err.delivery });
      throw err;
    }
  }
}
