import { Body, Controller, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ChonrySmsBalance, ChonrySmsService, SendPersonalizedSmsDto, SendSmsDto, SendSmsResult } from 'nestjs-chonry-sms';

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

/** The account's balances, from the provider's main host (`apiBaseUrl`); errors map as for sends. */
@Controller('balance')
export class BalanceController {
  constructor(private readonly sms: ChonrySmsService) {}

  @Get()
  getBalance(): Promise<ChonrySmsBalance> {
    return this.sms.getBalance();
  }
}
