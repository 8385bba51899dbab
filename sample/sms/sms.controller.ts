import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ChonrySmsService, SendPersonalizedSmsDto, SendSmsDto, SendSmsResult } from 'nestjs-chonry-sms';

@Controller('sms')
export class SmsController {
  constructor(private readonly sms: ChonrySmsService) {}

  /** The same variables to every recipient. 202: the provider accepted it; delivery happens later. */
  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  send(@Body() dto: SendSmsDto): Promise<SendSmsResult> {
    return this.sms.send(dto);
  }

  /** Per-recipient variables. */
  @Post('personalized')
  @HttpCode(HttpStatus.ACCEPTED)
  sendPersonalized(@Body() dto: SendPersonalizedSmsDto): Promise<SendSmsResult> {
    return this.sms.sendPersonalized(dto);
  }
}
