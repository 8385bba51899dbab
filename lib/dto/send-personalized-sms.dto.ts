import { IsChonryMessages } from './chonry-sms.validators';
import { ChonrySmsSendOptionsDto } from './send-sms.dto';

/** One recipient of a personalised send and the variables for their message. */
export class PersonalizedMessageDto {
  mobile!: string;
  variables!: string[];
}

/** One template, per-recipient variables, up to 10,000 unique recipients. */
export class SendPersonalizedSmsDto extends ChonrySmsSendOptionsDto {
  @IsChonryMessages()
  messages!: PersonalizedMessageDto[];
}

/** `SendPersonalizedSmsDto` of any size, for `sendPersonalizedBulk()`: split into requests of at most 10,000. */
export class SendPersonalizedBulkSmsDto extends ChonrySmsSendOptionsDto {
  @IsChonryMessages(Infinity)
  messages!: PersonalizedMessageDto[];
}
