import { Inject, Injectable } from '@nestjs/common';
import { CHONRY_SMS_RESOLVED_OPTIONS } from './chonry-sms.constants';
import type { ResolvedChonrySmsOptions } from './chonry-sms.options';
import { commonWireFields, normalizedField, personalizedSendBody, plainSendBody } from './chonry-sms.request';
import { SendPersonalizedSmsDto, SendSmsDto, validateInput } from './dto';
import { ChonrySmsApiError } from './errors';
import type { SendSmsResult } from './interfaces';
import { ChonrySmsTransport } from './transport/chonry-sms.transport';
import { joinVariables, PersonalizedMessage } from './validation';

/**
 * Sends SMS through Chonry's international API. Every call validates its input first (nothing is
 * sent if anything is wrong) and makes exactly one request.
 */
@Injectable()
export class ChonrySmsService {
  constructor(
    @Inject(CHONRY_SMS_RESOLVED_OPTIONS) private readonly options: ResolvedChonrySmsOptions,
    private readonly transport: ChonrySmsTransport,
  ) {}

  /** One template with the same variables to up to 50,000 recipients (duplicates are sent once). */
  async send(input: SendSmsDto): Promise<SendSmsResult> {
    const dto = validateInput(SendSmsDto, input);
    const mobiles = normalizedField<string[]>(dto, 'mobiles');
    const body = plainSendBody(this.options, commonWireFields(dto, this.options), mobiles, joinVariables(dto.variables));
    return this.dispatch(body, mobiles.length);
  }

  /** One template with per-recipient variables, up to 10,000 unique recipients. */
  async sendPersonalized(input: SendPersonalizedSmsDto): Promise<SendSmsResult> {
    const dto = validateInput(SendPersonalizedSmsDto, input);
    const messages = normalizedField<PersonalizedMessage[]>(dto, 'messages');
    const body = personalizedSendBody(this.options, commonWireFields(dto, this.options), messages);
    return this.dispatch(body, messages.length);
  }

  private async dispatch(body: string, recipients: number): Promise<SendSmsResult> {
    const reply = await this.transport.post(body);
    if (reply.code !== '0') throw new ChonrySmsApiError(reply.code, reply.msg);
    return { batchId: reply.batchId, msg: reply.msg, recipients };
  }
}
