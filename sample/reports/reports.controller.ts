import { Controller, Get, Query } from '@nestjs/common';
import { ReceivedReport, ReceivedReports } from './received-reports';

@Controller('reports')
export class ReportsController {
  constructor(private readonly received: ReceivedReports) {}

  /** The delivery reports received (pulled or pushed), newest first, the last 1,000; `?batchId=` filters. */
  @Get()
  list(@Query('batchId') batchId?: string): { reports: ReceivedReport[] } {
    return { reports: this.received.list(batchId) };
  }
}
