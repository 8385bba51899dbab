import { Controller, Get, NotFoundException, Query } from '@nestjs/common';
import type { SandboxMessage } from 'nestjs-chonry-sms/testing';
import { SandboxGateway } from './sandbox-gateway';

@Controller('sandbox')
export class SandboxController {
  constructor(private readonly gateway: SandboxGateway) {}

  /** What the provider would have delivered, one entry per recipient; `?mobile=` filters. */
  @Get('messages')
  messages(@Query('mobile') mobile?: string): { messages: SandboxMessage[] } {
    const sandbox = this.gateway.sandbox;
    if (!sandbox) throw new NotFoundException('The sandbox runs only when no CHONRY_ACCESS_KEY / CHONRY_SECRET is configured');
    return { messages: mobile ? sandbox.messages.filter((m) => m.mobile === mobile) : sandbox.messages };
  }
}
