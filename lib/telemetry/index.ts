export { CHONRY_SMS_SEND_CHANNEL } from './send-channel';
export type { ChonrySmsOperation, ChonrySmsSendContext } from './send-channel';
