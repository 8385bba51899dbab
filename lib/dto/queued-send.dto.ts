import { IsChonryVariables, IsQueuedMessages, IsQueuedMobiles } from './chonry-sms.validators';
import { ChonrySmsSendOptionsDto } from './send-sms.dto';

/**
 * @internal What a queue worker sends. The job was validated in full when it was queued (every
 * number against its numbering plan, repeats across the whole campaign); the worker checks the
 * recipients only for their shape, and the rest (variables, ids, schedule) in full, as they are
 * small. A number that is not 1–15 digits means the job was changed in Redis: refused, not sent.
 */
export class QueuedSendSmsDto extends ChonrySmsSendOptionsDto {
  @IsQueuedMobiles()
  mobiles!: string[];

  @IsChonryVariables()
  variables!: string[];
}

/** @internal `QueuedSendSmsDto` for a personalised job. */
export class QueuedSendPersonalizedSmsDto extends ChonrySmsSendOptionsDto {
  @IsQueuedMessages()
  messages!: { mobile: string; variables: string[] }[];
}
