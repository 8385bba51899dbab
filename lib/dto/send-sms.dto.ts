import { IsOptional } from 'class-validator';
import {
  IsChonryMobiles,
  IsChonryScheduleTime,
  IsChonryShortText,
  IsChonryVariables,
} from './chonry-sms.validators';

/** Fields every send shares; defaults for templateId, sign and senderId come from the module options. */
export abstract class ChonrySmsSendOptionsDto {
  @IsOptional()
  @IsChonryShortText()
  templateId?: string;

  @IsOptional()
  @IsChonryShortText()
  sign?: string;

  @IsOptional()
  @IsChonryShortText()
  senderId?: string;

  /** A Date (formatted in the module's `timeZone`) or `yyyy-MM-dd HH:mm:ss`; absent = send now. */
  @IsOptional()
  @IsChonryScheduleTime()
  scheduleSendTime?: Date | string;
}

/** One template, the same variables, up to 50,000 recipients (`+44 7911 123456`, `0044…`, `44…`). */
export class SendSmsDto extends ChonrySmsSendOptionsDto {
  @IsChonryMobiles()
  mobiles!: string[];

  @IsChonryVariables()
  variables!: string[];
}

/** `SendSmsDto` of any size, for `sendBulk()`: split into requests of at most 50,000. */
export class SendBulkSmsDto extends ChonrySmsSendOptionsDto {
  @IsChonryMobiles(Infinity)
  mobiles!: string[];

  @IsChonryVariables()
  variables!: string[];
}
