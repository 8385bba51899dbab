import { Inject, Injectable } from '@nestjs/common';
import { bulkSettings, runBulk } from './bulk';
import { CHONRY_SMS_RESOLVED_OPTIONS } from './chonry-sms.constants';
import type { ResolvedChonrySmsOptions } from './chonry-sms.options';
import { commonWireFields, normalizedField, personalizedSendBody, plainSendBody } from './chonry-sms.request';
import { SendBulkSmsDto, SendPersonalizedBulkSmsDto, SendPersonalizedSmsDto, SendSmsDto, validateInput } from './dto';
import { ChonrySmsApiError } from './errors';
import type { ChonrySmsBulkOptions, ChonrySmsBulkResult, SendSmsResult } from './interfaces';
import { ChonrySmsTransport } from './transport/chonry-sms.transport';
import { joinVariables, MAX_MESSAGES_PER_REQUEST, MAX_MOBILES_PER_REQUEST, PersonalizedMessage } from './validation';

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

  /**
   * `send()` for any number of recipients: validates all of them first, then sends requests of at
   * most 50,000 (or `chunkSize`) with bounded concurrency. Never throws for a failed request:
   * the result accounts for every recipient.
   */
  async sendBulk(input: SendBulkSmsDto, options?: ChonrySmsBulkOptions): Promise<ChonrySmsBulkResult> {
    const settings = bulkSettings(this.options.bulk ?? {}, options, MAX_MOBILES_PER_REQUEST);
    const dto = validateInput(SendBulkSmsDto, input);
    const common = commonWireFields(dto, this.options);
    const content = joinVariables(dto.variables);
    return runBulk(normalizedField<string[]>(dto, 'mobiles'), settings, {
      send: (mobiles) => this.dispatch(plainSendBody(this.options, common, mobiles, content), mobiles.length),
      mobilesOf: (mobiles) => mobiles,
    });
  }

  /** `sendPersonalized()` for any number of messages, in requests of at most 10,000 (or `chunkSize`). */
  async sendPersonalizedBulk(input: SendPersonalizedBulkSmsDto, options?: ChonrySmsBulkOptions): Promise<ChonrySmsBulkResult> {
    const settings = bulkSettings(this.options.bulk ?? {}, options, MAX_MESSAGES_PER_REQUEST);
    const dto = validateInput(SendPersonalizedBulkSmsDto, input);
    const common = commonWireFields(dto, this.options);
    return runBulk(normalizedField<PersonalizedMessage[]>(dto, 'messages'), settings, {
      send: (messages) => this.dispatch(personalizedSendBody(this.options, common, messages), messages.length),
      mobilesOf: (messages) => messages.map((m) => m.mobile),
    });
  }

  private async dispatch(body: string, recipients: number): Promise<SendSmsResult> {
    const reply = await this.transport.post(body);
    if (reply.code !== '0') throw new ChonrySmsApiError(reply.code, reply.msg);
    return { batchId: reply.batchId, msg: reply.msg, recipients };
  }
}
